#!/usr/bin/env bash
# Installs everything Aegees Desktop needs on Debian/Ubuntu: system packages, then npm
# dependencies. Idempotent: a second run only checks and returns.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t wanted < <(grep -vE '^\s*(#|$)' scripts/system-packages.txt)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null; then
    echo "setup: install these system packages with your package manager: ${missing[*]}" >&2
    exit 1
  fi
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: run as root or install sudo (missing: ${missing[*]})" >&2; exit 1; }
    sudo=(sudo)
  fi
  echo "setup: installing system packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm ci only when the lockfile changed since the last successful install: native
# modules take minutes to compile.
stamp=node_modules/.aegees-setup-stamp
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  echo "setup: installing npm dependencies (native modules compile; this takes a few minutes)"
  # Electron's binary is fetched lazily on first launch, so npm ci works where its host is unreachable.
  npm ci --no-audit --no-fund
  echo "$lock_hash" > "$stamp"
fi
echo "setup: ready"
