#!/bin/sh
# Vendor the Leaflet map library from the npm registry into admin/static/vendor/leaflet/,
# so the launch, follow and dashboard maps work without any CDN or internet access.
# Usage: scripts/vendor_leaflet.sh [version]   (default: the version recorded in VERSION)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
target="$root/admin/static/vendor/leaflet"
version=${1:-$(cat "$target/VERSION" 2>/dev/null || echo 1.9.4)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack "leaflet@$version" --silent >/dev/null
tar -xzf "leaflet-$version.tgz"
rm -rf "$target"
mkdir -p "$target/images"
cp package/dist/leaflet.js package/dist/leaflet.css "$target/"
cp package/dist/images/*.png "$target/images/"
cp package/LICENSE "$target/LICENSE"
echo "$version" >"$target/VERSION"
echo "leaflet $version vendored into $target"
