#!/usr/bin/env bash
# Copy the front-end files the map needs into dashboard/static/vendor/, so that a
# command-centre wall with no internet still draws the map (Streamlit serves that
# folder at /app/static/). Versions come from the committed package-lock.json:
# Leaflet must stay the one folium renders against (folium 0.20 -> Leaflet 1.9.3;
# tests/test_offline_config.py checks the two agree).
#
# Usage: scripts/vendor_assets.sh STAMP_FILE
# Touches STAMP_FILE only after a complete copy, so a failed run is retried.
set -euo pipefail

stamp=${1:?usage: vendor_assets.sh STAMP_FILE}
cd "$(dirname "$0")/.."

dest=dashboard/static/vendor/leaflet
src=node_modules/leaflet/dist

draw=dashboard/static/vendor/leaflet-draw

have_files() {
    [ -s "$dest/leaflet.js" ] && [ -s "$dest/leaflet.css" ] && [ -d "$dest/images" ] && [ -s "$draw/leaflet.draw.js" ]
}

if ! command -v npm >/dev/null 2>&1; then
    if have_files; then
        echo "assets: npm not found; keeping the Leaflet files already in $dest"
        exit 0
    fi
    echo "assets: npm not found and $dest is empty: install Node.js/npm (Debian: apt-get install npm)" >&2
    exit 1
fi

# --ignore-scripts: nothing we vendor needs an install script, and we run none.
if ! npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; then
    if have_files; then
        echo "assets: npm ci failed (registry unreachable?); keeping the Leaflet files already in $dest"
        exit 0
    fi
    echo "assets: npm ci failed and $dest is empty: the map cannot load Leaflet" >&2
    exit 1
fi

rm -rf "$dest"
mkdir -p "$dest"
cp "$src/leaflet.js" "$src/leaflet.js.map" "$src/leaflet.css" "$dest/"
cp -R "$src/images" "$dest/images"
cp node_modules/leaflet/LICENSE "$dest/LICENSE"
# Leaflet.draw: supervisors reshape grid polygons on the map (dashboard/components/edit_map.py)
rm -rf "$draw"
mkdir -p "$draw"
cp node_modules/leaflet-draw/dist/leaflet.draw.js node_modules/leaflet-draw/dist/leaflet.draw.css "$draw/"
cp -R node_modules/leaflet-draw/dist/images "$draw/images"
cp node_modules/leaflet-draw/LICENSE "$draw/LICENSE" 2>/dev/null || true
touch "$stamp"
echo "assets: Leaflet $(node -p 'require("./node_modules/leaflet/package.json").version' 2>/dev/null || echo '?') -> $dest"
