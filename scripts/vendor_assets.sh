#!/usr/bin/env bash
# Check that the front-end files the map needs are in dashboard/static/vendor/: they are committed to the
# repository (no npm, no CDN: a command-centre wall on an intranet must still draw the map), with their
# licences and versions in dashboard/static/vendor/README.md. Streamlit serves that folder at /app/static/.
#
# Usage: scripts/vendor_assets.sh      (what `make assets` runs; exits 1 naming any missing file)
set -euo pipefail
cd "$(dirname "$0")/.."

vendor=dashboard/static/vendor
need=(
    leaflet/leaflet.js leaflet/leaflet.css leaflet/LICENSE leaflet/images/layers.png leaflet/images/marker-icon.png
    leaflet-draw/leaflet.draw.js leaflet-draw/leaflet.draw.css leaflet-draw/LICENSE
    leaflet-draw/images/spritesheet.png leaflet-draw/images/spritesheet.svg
    README.md
)
missing=()
for f in "${need[@]}"; do
    [ -s "$vendor/$f" ] || missing+=("$vendor/$f")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "assets: missing from the repository (restore them with git, see $vendor/README.md):" >&2
    printf '  %s\n' "${missing[@]}" >&2
    exit 1
fi
version() { sed -n "s/.*$1 \([0-9][0-9.]*\),.*/\1/p" "$2" | head -1; }
echo "assets: Leaflet $(version Leaflet $vendor/leaflet/leaflet.js)," \
     "Leaflet.draw $(version Leaflet.draw $vendor/leaflet-draw/leaflet.draw.js) in $vendor (committed)"
