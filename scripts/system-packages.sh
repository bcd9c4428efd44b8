#!/usr/bin/env bash
# Installs the Debian packages the project needs when they are missing: as root with apt-get it installs them,
# otherwise it prints the exact command to run. Used by `make demo`, `make test` and .ci/run.
#   python3-venv        only when this python3 cannot create a virtual environment
#   libpango..., fonts-nanum  WeasyPrint and the Korean font for PDF statements (Hangul prints as boxes without it)
#   poppler-utils       pdffonts/pdftotext/pdftoppm to check PDFs
#   gettext             compiling the Korean translations
#   postgresql-client, redis-tools  pg_isready and redis-cli for .ci/run
#   redis-server, postgresql-client, procps  make e2e: its own Redis, psql for its checks, pgrep for memory
#   chromium, chromium-driver  the headless browser of the page tests (tests/web): --browser (make test) and --ci
set -euo pipefail

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-nanum poppler-utils gettext)
if [ "${1:-}" = "--ci" ]; then
  packages+=(postgresql-client redis-tools chromium chromium-driver)
fi
if [ "${1:-}" = "--browser" ]; then
  packages+=(chromium chromium-driver)
fi
if [ "${1:-}" = "--e2e" ]; then
  packages+=(redis-server postgresql-client procps)
fi
if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
  packages+=("python3-venv")
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "Missing Debian packages: ${missing[*]}"
  echo "Install them with:"
  echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
  # Only python3-venv is needed to run at all; the rest matter for PDF statements and the browser tests (which
  # are skipped without chromium, or fail under REQUIRE_BROWSER=1).
  for pkg in "${missing[@]}"; do
    if [ "$pkg" = "python3-venv" ]; then exit 1; fi
  done
fi
