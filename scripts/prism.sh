#!/usr/bin/env bash
# Prism, a mock server that answers and validates requests from Twilio's own OpenAPI spec.
#
#   scripts/prism.sh install      install (once) and print the install directory
#   scripts/prism.sh spec         install (once) and print the path of twilio_api_v2010.json
#   scripts/prism.sh start PORT [SPEC]
#                                 install (once) and run the mock on 127.0.0.1:PORT (foreground),
#                                 from SPEC if given (e.g. a copy of Twilio's spec with error
#                                 responses added), else from twilio_api_v2010.json itself
#
# The packages live in a cache outside the repository, shared by every checkout:
#   UITKIJK_NODE_CACHE  install directory (default /var/cache/uitkijk/node)
# Progress goes to stderr; `install` and `spec` print a single path on stdout.
set -euo pipefail

PRISM_VERSION=5.14.2          # the last prism-cli that runs on Node 20 (5.15+ wants Node 24)
TWILIO_MCP_VERSION=0.7.0      # ships twilio-oai/spec/json/twilio_api_v2010.json
CACHE="${UITKIJK_NODE_CACHE:-/var/cache/uitkijk/node}"
WANTED="@stoplight/prism-cli@$PRISM_VERSION @twilio-alpha/mcp@$TWILIO_MCP_VERSION"
MARKER="$CACHE/.uitkijk-installed"
PRISM="$CACHE/node_modules/.bin/prism"
SPEC="$CACHE/node_modules/@twilio-alpha/mcp/twilio-oai/spec/json/twilio_api_v2010.json"

log() { echo "prism.sh: $*" >&2; }

usage() {
    echo "usage: $0 install | spec | start PORT [SPEC]" >&2
    exit 2
}

installed() {
    [[ -f "$MARKER" && "$(cat "$MARKER")" == "$WANTED" && -x "$PRISM" && -f "$SPEC" ]]
}

install() {
    installed && return 0
    command -v npm >/dev/null 2>&1 || { log "npm not found (apt-get install nodejs npm)"; exit 2; }
    mkdir -p "$CACHE"
    # One installer at a time: parallel test sessions may all call this at once.
    exec 9>"$CACHE/.install.lock"
    flock 9
    if ! installed; then
        log "installing $WANTED into $CACHE (takes a minute or two)"
        rm -f "$MARKER"
        [[ -f "$CACHE/package.json" ]] || echo '{"name": "uitkijk-node-tools", "private": true}' > "$CACHE/package.json"
        # shellcheck disable=SC2086  # WANTED is a list of package specs
        npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error --save-exact $WANTED >&2
        [[ -x "$PRISM" ]] || { log "npm finished but $PRISM is missing"; exit 1; }
        [[ -f "$SPEC" ]] || { log "npm finished but the Twilio spec is missing: $SPEC"; exit 1; }
        echo "$WANTED" > "$MARKER"
    fi
    flock -u 9
    exec 9>&-
}

case "${1:-}" in
    install)
        install
        echo "$CACHE"
        ;;
    spec)
        install
        echo "$SPEC"
        ;;
    start)
        [[ ($# -eq 2 || $# -eq 3) && "$2" =~ ^[0-9]+$ ]] || usage
        install
        document="${3:-$SPEC}"
        [[ -f "$document" ]] || { log "no such spec: $document"; exit 2; }
        # Prism validates every request against the spec (path, query, body, Basic auth) and
        # answers a violation with 422 (or 401); --errors also turns a response that breaks the
        # spec into an error instead of a log warning. Static examples keep responses predictable.
        exec "$PRISM" mock "$document" --host 127.0.0.1 --port "$2" --errors
        ;;
    *)
        usage
        ;;
esac
