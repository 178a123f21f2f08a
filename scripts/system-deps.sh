#!/usr/bin/env bash
# System packages the test suite needs: PostgreSQL (real server for storage tests),
# docker-compose (validates docker-compose.yml; no engine needed), Node.js/npm (the
# Telegram Bot API emulator) and Chromium (renders the report in a test). Installed with apt-get when running as root, else named.
set -euo pipefail
missing=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || missing+=(postgresql)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v npm >/dev/null || missing+=(nodejs npm)
# Headless Chromium renders the impact report in its test, as city staff will open it.
command -v chromium >/dev/null || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Please install these system packages first: ${missing[*]}" >&2
  exit 1
fi
