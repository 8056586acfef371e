#!/usr/bin/env bash
# Build (once) and print the path of a Debian sid root that holds Asterisk.
#
# The real-Asterisk lab runs `chroot ROOT asterisk ...`; the root is cached
# outside the repository because it is large and slow to build.
#   UITKIJK_ASTERISK_ROOT  where the root lives (default /var/cache/uitkijk/asterisk-root)
#   UITKIJK_DEBIAN_MIRROR  Debian mirror URI (default: taken from this machine's apt sources)
# Progress goes to stderr; the root path is the only line on stdout.
set -euo pipefail

ROOT="${UITKIJK_ASTERISK_ROOT:-/var/cache/uitkijk/asterisk-root}"
MARKER="$ROOT/.uitkijk-root-complete"
SUITE=sid
PACKAGES=asterisk,asterisk-modules

log() { echo "asterisk_root: $*" >&2; }

# First Debian archive URI (a path with /debian, not the security archive) from the machine's apt sources.
debian_mirror() {
    local uri
    uri=$(
        {
            cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n'
            sed -n 's/^[[:space:]]*deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' \
                /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
        } | grep -E '^(https?|file):' | grep -E '/debian(/|$)' | grep -v -- '-security' | head -n 1
    )
    if [[ -z "$uri" ]]; then
        log "no Debian archive found in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list;" \
            "set UITKIJK_DEBIAN_MIRROR"
        exit 2
    fi
    echo "$uri"
}

if [[ -f "$MARKER" ]]; then
    echo "$ROOT"
    exit 0
fi

if [[ $EUID -ne 0 ]]; then
    log "building the root needs root (debootstrap, chroot)"
    exit 2
fi

# One builder at a time; a second one waits and then finds the marker.
mkdir -p "$(dirname "$ROOT")"
exec 9>"$ROOT.lock"
flock 9
if [[ -f "$MARKER" ]]; then
    echo "$ROOT"
    exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
fi

MIRROR="${UITKIJK_DEBIAN_MIRROR:-$(debian_mirror)}"

if [[ -e "$ROOT" ]]; then
    log "removing half-built root $ROOT"
    # Never follow mounts a previous run may have left (e.g. /proc) into the host.
    for mnt in $(awk -v r="$ROOT" '$2 ~ "^"r"/" {print $2}' /proc/mounts | sort -r); do
        umount -l "$mnt" || true
    done
    rm -rf --one-file-system "$ROOT"
fi

BUILD="$ROOT.build.$$"
trap 'rm -rf --one-file-system "$BUILD"' EXIT
log "debootstrap $SUITE with $PACKAGES into $BUILD (takes a few minutes)"
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$BUILD" "$MIRROR" >&2

# Keep the root small: package caches are not needed to run Asterisk.
rm -rf "$BUILD"/var/cache/apt/archives/*.deb "$BUILD"/var/lib/apt/lists/*
# The marker (Asterisk's version) is written only once Asterisk runs in the root.
chroot "$BUILD" /usr/sbin/asterisk -V > "$BUILD/$(basename "$MARKER")"
mv "$BUILD" "$ROOT"
trap - EXIT
log "built $(cat "$MARKER") in $ROOT"
echo "$ROOT"
