#!/usr/bin/env bash
# Installs the non-Python things the test suite needs; safe to run again (it skips what is there).
#   - redis-server (Debian package)        : Celery broker for the batch tests
#   - chromium (Debian package)            : the devtool browser test (driven by Playwright for Python)
#   - azurite (npm, into ./node_modules)   : Azure Blob emulator for the storage tests
#   - sharp (npm, into ./node_modules)     : only for the side-by-side benchmark
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# CJK text in `txt` (Pango falls back to it through fontconfig); the shipped Noto Sans covers Latin/Greek/Cyrillic
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need_apt+=(fonts-noto-cjk)
if ((${#need_apt[@]})); then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ ! -x node_modules/.bin/azurite ] || [ ! -d node_modules/sharp ]; then
  npm install --no-audit --no-fund --loglevel=error >/dev/null
fi
echo "test dependencies ready: $(redis-server --version | cut -d' ' -f3), $(chromium --version 2>/dev/null | head -1), azurite $(node_modules/.bin/azurite --version)"
