#!/usr/bin/env bash
# Install the Debian packages gridwatch needs outside the venv, and make sure
# PostgreSQL answers on 127.0.0.1:5432.
#
# Idempotent and quick when everything is there (three dpkg look-ups and one
# pg_isready), so `make test` can call it every time. It never fails the build:
# a fresh CI machine has none of these packages, a developer machine may not be
# ours to apt-get on; in both cases we say what is missing and what the test
# run will skip because of it.
#   chromium                 browser tests in tests/e2e (skipped without it)
#   postgresql-15-postgis-3  PostGIS geometry columns (geodata falls back to WKB)
#   fonts-noto-cjk           Chinese labels in browser screenshots and briefing PDFs
#   poppler-utils            pdftotext/pdftoppm: briefing tests read the PDF back
set -uo pipefail

PACKAGES=(chromium postgresql-15-postgis-3 fonts-noto-cjk poppler-utils)
declare -A WITHOUT=(
    [chromium]="browser tests in tests/e2e are skipped"
    [postgresql-15-postgis-3]="no PostGIS: geometry is stored as WKB"
    [fonts-noto-cjk]="Chinese text renders as boxes in the browser; briefing PDFs cannot be made"
    [poppler-utils]="briefing tests cannot read the PDF text back (they fall back to matplotlib's text)"
)
PG_HOST=127.0.0.1
PG_PORT=5432

say() { printf 'system: %s\n' "$*"; }

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

pg_answers() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$PG_HOST" -p "$PG_PORT"
    else
        # No client tools: a TCP connect is the next best thing.
        (exec 3<>"/dev/tcp/$PG_HOST/$PG_PORT") 2>/dev/null
    fi
}

install_missing_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        say "not a Debian system (no dpkg): skipping ${PACKAGES[*]}; browser tests will be skipped if /usr/bin/chromium is absent"
        return 0
    fi

    local missing=() p
    for p in "${PACKAGES[@]}"; do
        is_installed "$p" || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        say "Debian packages present: ${PACKAGES[*]}"
        return 0
    fi

    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        say "MISSING ${missing[*]}, and not root with apt-get: not installing them."
        for p in "${missing[@]}"; do say "  without $p: ${WITHOUT[$p]:-?}"; done
        say "  to fix: sudo apt-get install ${missing[*]}"
        return 0
    fi

    say "installing missing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Only refresh the lists when we actually install: it costs ~10 s.
    if ! apt-get update -qq; then
        say "apt-get update failed: continuing with the package lists we have"
    fi
    if ! apt-get install -y -qq "${missing[@]}" >/tmp/gridwatch-apt.log 2>&1; then
        tail -n 20 /tmp/gridwatch-apt.log | sed 's/^/system:   apt: /'
        say "apt-get install FAILED for ${missing[*]}: continuing without them"
        for p in "${missing[@]}"; do say "  without $p: ${WITHOUT[$p]:-?}"; done
        return 0
    fi
    say "installed ${missing[*]}"
}

start_postgresql() {
    if pg_answers; then
        say "PostgreSQL answers on $PG_HOST:$PG_PORT"
        return 0
    fi
    if [ ! -d /etc/postgresql ] || [ -z "$(ls -A /etc/postgresql 2>/dev/null)" ]; then
        say "no PostgreSQL cluster installed: PostgreSQL tests will be skipped (SQLite only)"
        return 0
    fi
    if [ "$(id -u)" -ne 0 ] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
        say "PostgreSQL is installed but not answering on $PG_HOST:$PG_PORT, and I cannot start it (not root or no pg_ctlcluster): PostgreSQL tests will be skipped"
        return 0
    fi

    local version
    for version in $(ls /etc/postgresql); do
        [ -d "/etc/postgresql/$version/main" ] || continue
        say "starting PostgreSQL $version/main"
        # --skip-systemctl-redirect: there is no systemd on CI machines.
        pg_ctlcluster --skip-systemctl-redirect "$version" main start \
            || say "pg_ctlcluster $version main start failed"
    done

    local i
    for i in $(seq 1 20); do
        if pg_answers; then
            say "PostgreSQL answers on $PG_HOST:$PG_PORT"
            return 0
        fi
        sleep 0.5
    done
    say "PostgreSQL still not answering on $PG_HOST:$PG_PORT: PostgreSQL tests will be skipped"
}

install_missing_packages
start_postgresql
exit 0
