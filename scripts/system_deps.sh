#!/usr/bin/env bash
# Debian packages the project needs: speech, audio conversion, the Asterisk root builder, the browser.
# Installs only what is missing, so a second run costs a dpkg query.
set -euo pipefail
packages=(espeak-ng ffmpeg sox debootstrap chromium redis-server nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
