#!/usr/bin/env bash
# Starts Aegees Desktop. `npm start [-- --profile DIR …]` opens one profile; `npm run demo`
# (this script with --demo) starts two profiles that already know each other.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=app
if [ "${1:-}" = "--demo" ]; then
  mode=demo
  shift
fi

# Rebuild the UI bundle when it is missing or older than its sources.
if [ ! -f dist/renderer/index.html ] || [ -n "$(find src/renderer src/common vite.config.ts package-lock.json -newer dist/renderer/index.html -print -quit)" ]; then
  echo "Building the user interface (dist/renderer)…"
  npx vite build --logLevel error
fi

# The Electron shell takes over wherever an Electron runtime was downloaded; elsewhere the
# browser target runs. Unpackaged, the engine runs under this Node (--engine-node), for
# which npm built the native modules.
if [ "$mode" = app ] && [ -f node_modules/electron/path.txt ]; then
  electron="node_modules/electron/dist/$(cat node_modules/electron/path.txt)"
  if [ -x "$electron" ]; then
    node scripts/build-electron.mjs
    exec "$electron" dist/electron/main.cjs --engine-node "$(command -v node)" "$@"
  fi
fi

if [ "$mode" = demo ]; then
  # Throwaway profiles get a throwaway keychain: a private Secret Service for this run.
  exec scripts/with-secret-service.sh node --import tsx src/host/demo.ts "$@"
fi
exec node --import tsx src/host/start.ts "$@"
