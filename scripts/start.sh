#!/usr/bin/env bash
# Starts Aegees Desktop. The desktop app is still being built (see docs/ARCHITECTURE.md);
# until it lands this starts the parts that run today.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "Aegees Desktop: the desktop UI is not built yet. Starting a local storage relay on 127.0.0.1:8787."
exec npx tsx src/relay/cli.ts --host 127.0.0.1 --port "${AEGEES_RELAY_PORT:-8787}" --data "${AEGEES_RELAY_DATA:-.aegees-dev/relay}"
