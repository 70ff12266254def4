#!/usr/bin/env bash
# Runs a command with a private, real Secret Service (gnome-keyring) on a private D-Bus
# session, in a throwaway keyring directory, so tests never touch the user's keychain.
# Usage: scripts/with-secret-service.sh COMMAND [ARGS...]
set -euo pipefail

if [ -z "${AEGEES_INSIDE_DBUS:-}" ]; then
  export AEGEES_INSIDE_DBUS=1
  exec dbus-run-session -- "$0" "$@"
fi

keyring_home=$(mktemp -d -t aegees-keyring-XXXXXX)
trap 'rm -rf "$keyring_home"' EXIT
export XDG_DATA_HOME="$keyring_home/data" XDG_CONFIG_HOME="$keyring_home/config" XDG_RUNTIME_DIR="$keyring_home/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

# --unlock creates and unlocks the default "login" collection with this password.
eval "$(printf 'aegees-test' | gnome-keyring-daemon --unlock --components=secrets | sed 's/^/export /')"
export AEGEES_SECRET_SERVICE=gnome-keyring
"$@"
