#!/usr/bin/env bash
# Several gridwatch Streamlit processes behind nginx (sticky sessions), on one PostgreSQL, in the foreground.
#
#   make serve                      # what you normally run; it calls this script after the usual set-up
#   WORKERS=3 PORT=8080 make serve
#
# Environment:
#   DATABASE_URL   one PostgreSQL for every process (required: SQLite cannot be shared by processes well)
#   WORKERS        Streamlit processes (one more than the cores: 3 on a 2-core machine — a process waiting on
#                  PostgreSQL leaves its core to another; the rush bench measured 3 best there, 4 worse)
#   PORT           where nginx listens, on 127.0.0.1 (8501, the address of `make run`)
#   WORKER_PORT    the first worker's port (8601; the others follow)
#   LISTEN_HOST    nginx's address (127.0.0.1; 0.0.0.0 to serve other machines)
#   PYTHON         the venv's python (.venv/bin/python)
#   SERVE_SCALE    the demo loaded into an empty database (district); SERVE_SETUP_DB=0 skips the database step
#
# nginx comes from Debian (nginx-light); when it is missing and we are root with apt-get it is installed,
# otherwise the script stops and says how to install it. Every worker gets the same cookie secret, so a
# token signed by one (XSRF) is accepted by another. Ctrl-C or TERM stops nginx and every worker; when any of
# them dies, the rest are stopped too and the script exits non-zero.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORKERS="${WORKERS:-$(( $(nproc 2>/dev/null || echo 1) + 1 ))}"
PORT="${PORT:-8501}"
WORKER_PORT="${WORKER_PORT:-8601}"
LISTEN_HOST="${LISTEN_HOST:-127.0.0.1}"
PY="${PYTHON:-$REPO/.venv/bin/python}"
TEMPLATE="$REPO/scripts/nginx.conf.template"
HEALTH_TIMEOUT_S="${HEALTH_TIMEOUT_S:-90}"

say() { printf 'serve: %s\n' "$*" >&2; }

[[ "$WORKERS" =~ ^[1-9][0-9]?$ ]] || { say "WORKERS must be 1..99, not '$WORKERS'"; exit 2; }
if [ -z "${DATABASE_URL:-}" ]; then
    say "DATABASE_URL is not set (make serve sets a local PostgreSQL one)"; exit 2
fi
case "$DATABASE_URL" in
    postgresql*) ;;
    *) say "DATABASE_URL is not PostgreSQL ($DATABASE_URL): several processes need one PostgreSQL server"; exit 2 ;;
esac

find_nginx() {
    command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true
}

NGINX="$(find_nginx)"
if [ -z "$NGINX" ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "nginx is missing: installing Debian's nginx-light"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq nginx-light >/tmp/gridwatch-nginx-apt.log 2>&1 \
            || { apt-get update -qq && apt-get install -y -qq nginx-light >/tmp/gridwatch-nginx-apt.log 2>&1; } \
            || { tail -n 20 /tmp/gridwatch-nginx-apt.log >&2; say "apt-get install nginx-light FAILED"; exit 1; }
        NGINX="$(find_nginx)"
    fi
    if [ -z "$NGINX" ]; then
        say "nginx is not installed and I cannot install it (not root, or no apt-get)."
        say "  to fix: sudo apt-get install nginx-light   (or run WORKERS=1 make run for one process)"
        exit 1
    fi
fi

# --- the database: created when missing, the demo loaded when empty ----------------------------------
ensure_database() {
    "$PY" - "$DATABASE_URL" <<'EOF'
import sys
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

url = make_url(sys.argv[1])
admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
try:
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}).first() is None:
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
            print(f"serve: created database {url.database}", file=sys.stderr)
except Exception as exc:  # noqa: BLE001 — say why; the script stops
    sys.exit(f"serve: cannot reach or create {url.render_as_string(hide_password=True)}: {exc}")
EOF
    (cd "$REPO" && PYTHONPATH="$REPO" "$PY" -m loaders demo --scale "${SERVE_SCALE:-district}" --if-missing)
}
if [ "${SERVE_SETUP_DB:-1}" != 0 ]; then
    ensure_database
fi

RUN_DIR="$(mktemp -d /tmp/gridwatch-serve.XXXXXX)"
# nginx's worker runs as `nobody` when started by root: it must reach its temp folders
chmod 755 "$RUN_DIR"
mkdir -m 1777 "$RUN_DIR/tmp"

PIDS=()
stopping=0
stop_all() {
    [ "$stopping" -eq 1 ] && return
    stopping=1
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$RUN_DIR"
    say "stopped"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

# --- the workers: `make run`'s command, one port each, the same cookie secret ---------------------------
COOKIE_SECRET="$("$PY" -c 'import secrets; print(secrets.token_hex(32))')"
# PostgreSQL serves 100 connections by default: each worker gets its share (geodata.store.db.pool_size)
export GRIDWATCH_DB_POOL="${GRIDWATCH_DB_POOL:-$(( 90 / WORKERS ))}"
UPSTREAMS=""
cd "$REPO"  # Streamlit reads .streamlit/config.toml (no usage statistics, loopback, no file watcher) from here
for i in $(seq 0 $((WORKERS - 1))); do
    port=$((WORKER_PORT + i))
    PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}" STREAMLIT_SERVER_COOKIE_SECRET="$COOKIE_SECRET" \
        "$PY" -m streamlit run dashboard/server.py --server.address 127.0.0.1 --server.port "$port" \
        > >(sed -u "s/^/worker $port: /" >&2) 2>&1 < /dev/null &
    PIDS+=($!)
    UPSTREAMS+="        server 127.0.0.1:$port max_fails=0;"$'\n'
    say "worker $((i + 1))/$WORKERS on 127.0.0.1:$port (pid $!)"
done

wait_healthy() {
    "$PY" - "$HEALTH_TIMEOUT_S" "$@" <<'EOF'
import sys, time, urllib.request
deadline = time.monotonic() + float(sys.argv[1])
for url in sys.argv[2:]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.read().strip() == b"ok":
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"serve: {url} did not answer in time")
        time.sleep(0.25)
EOF
}
urls=()
for i in $(seq 0 $((WORKERS - 1))); do urls+=("http://127.0.0.1:$((WORKER_PORT + i))/_stcore/health"); done
wait_healthy "${urls[@]}"

# --- nginx ------------------------------------------------------------------------------------------
python_subst() {
    "$PY" - "$TEMPLATE" "$RUN_DIR/nginx.conf" "$RUN_DIR" "$LISTEN_HOST:$PORT" "$UPSTREAMS" <<'EOF'
import sys
template, out, run_dir, listen, upstreams = sys.argv[1:]
text = open(template, encoding="utf-8").read()
text = text.replace("@RUN_DIR@", run_dir).replace("@LISTEN@", listen).replace("@UPSTREAMS@", upstreams.rstrip("\n"))
open(out, "w", encoding="utf-8").write(text)
EOF
}
python_subst
"$NGINX" -t -q -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" 2>&1 | grep -v "could not open error log" >&2 || true
"$NGINX" -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -e stderr &
PIDS+=($!)
wait_healthy "http://$([ "$LISTEN_HOST" = 0.0.0.0 ] && echo 127.0.0.1 || echo "$LISTEN_HOST"):$PORT/_stcore/health"
say "gridwatch on http://$LISTEN_HOST:$PORT  ($WORKERS Streamlit processes behind nginx, sticky by cookie; Ctrl-C stops all)"

# --- foreground: when one child ends, stop the others ------------------------------------------------
set +e
wait -n "${PIDS[@]}"
status=$?
say "a child process ended (status $status): stopping the rest"
exit $(( status == 0 ? 1 : status ))
