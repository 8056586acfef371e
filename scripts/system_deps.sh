#!/usr/bin/env bash
# Debian packages the project needs: speech, audio conversion, the Asterisk root builder, the browser,
# Redis, Node (for Prism) and PostGIS (the spatial index of the reach points on PostgreSQL). Each is checked by the command it provides, so a machine whose Node
# came from elsewhere is left alone; a second run costs a few lookups.
set -euo pipefail
declare -A package_for=(
  [espeak-ng]=espeak-ng [ffmpeg]=ffmpeg [sox]=sox [debootstrap]=debootstrap
  [/usr/bin/chromium]=chromium [redis-server]=redis-server [node]=nodejs [npm]=npm
)
missing=()
for cmd in "${!package_for[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${package_for[$cmd]}")
done
# PostGIS for the PostgreSQL 15 the tests and `make run` use (checked by its extension's control file).
[ -e /usr/share/postgresql/15/extension/postgis.control ] || missing+=(postgresql-15-postgis-3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
