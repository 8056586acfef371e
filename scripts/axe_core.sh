#!/usr/bin/env bash
# axe-core, the accessibility rules engine the browser tests inject into each public page
# (tests/browser/accessibility.py), from the npm registry into the cache shared by every checkout.
#
#   scripts/axe_core.sh install   install (once) and print the path of axe.min.js
#
#   UITKIJK_NODE_CACHE  the node tools' cache (default /var/cache/uitkijk/node); axe-core goes in axe/ there
set -euo pipefail

AXE_VERSION=4.14.1
CACHE="${UITKIJK_NODE_CACHE:-/var/cache/uitkijk/node}/axe"
SCRIPT="$CACHE/node_modules/axe-core/axe.min.js"
MARKER="$CACHE/.uitkijk-installed"

installed() { [[ -f "$MARKER" && "$(cat "$MARKER")" == "$AXE_VERSION" && -f "$SCRIPT" ]]; }

case "${1:-}" in
    install)
        if ! installed; then
            command -v npm >/dev/null 2>&1 || { echo "axe_core.sh: npm not found (apt-get install npm)" >&2; exit 2; }
            mkdir -p "$CACHE"
            exec 9>"$CACHE/.install.lock"
            flock 9
            if ! installed; then
                echo "axe_core.sh: installing axe-core@$AXE_VERSION into $CACHE" >&2
                [[ -f "$CACHE/package.json" ]] || echo '{"name": "uitkijk-axe", "private": true}' > "$CACHE/package.json"
                npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error --save-exact "axe-core@$AXE_VERSION" >&2
                [[ -f "$SCRIPT" ]] || { echo "axe_core.sh: npm finished but $SCRIPT is missing" >&2; exit 1; }
                echo "$AXE_VERSION" > "$MARKER"
            fi
        fi
        echo "$SCRIPT"
        ;;
    *)
        echo "usage: $0 install" >&2
        exit 2
        ;;
esac
