#!/usr/bin/env bash
# Vendors the web pages' front-end libraries from the npm registry into web/static/web/vendor/ (no CDN: the
# machines that run this are offline). The files are committed; run this only to change a version, then check the
# pages in the browser tests. Needs npm and a registry.
#   htmx.org   partial page updates (filters, tables, actions) without a front-end build
#   chart.js   the dashboard's charts (UMD build: one file, no bundler)
set -euo pipefail
cd "$(dirname "$0")/.."

HTMX=2.0.11
CHARTJS=4.6.2
dest=web/static/web/vendor
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "htmx.org@${HTMX}" "chart.js@${CHARTJS}" >/dev/null)
mkdir -p "$dest/htmx" "$dest/chartjs"
tar xzf "$work/htmx.org-${HTMX}.tgz" -C "$work" package/dist/htmx.min.js package/LICENSE
cp "$work/package/dist/htmx.min.js" "$dest/htmx/"
cp "$work/package/LICENSE" "$dest/htmx/LICENSE"
rm -rf "$work/package"
tar xzf "$work/chart.js-${CHARTJS}.tgz" -C "$work" package/dist/chart.umd.min.js package/dist/chart.umd.min.js.map \
  package/LICENSE.md
cp "$work/package/dist/chart.umd.min.js" "$work/package/dist/chart.umd.min.js.map" "$dest/chartjs/"
cp "$work/package/LICENSE.md" "$dest/chartjs/LICENSE.md"

{
  echo "# Vendored front-end libraries (scripts/vendor-static.sh)"
  echo ""
  echo "| library | version | from | file | sha256 |"
  echo "|---|---|---|---|---|"
  echo "| htmx.org | ${HTMX} | npm registry | htmx/htmx.min.js | $(sha256sum "$dest/htmx/htmx.min.js" | cut -d' ' -f1) |"
  echo "| chart.js | ${CHARTJS} | npm registry | chartjs/chart.umd.min.js | $(sha256sum "$dest/chartjs/chart.umd.min.js" | cut -d' ' -f1) |"
} > "$dest/README.md"
echo "vendored htmx.org ${HTMX}, chart.js ${CHARTJS} into ${dest}"
