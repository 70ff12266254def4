// keytar reports failures as plain Errors carrying the platform's message. These helpers
// tell "there is no usable keychain here" (the user must install or unlock something)
// from every other failure, which is reported as it is, never swallowed.
import { AegeesError } from '../../common/errors.js';

const UNAVAILABLE: readonly RegExp[] = [
  // Linux (libsecret over D-Bus).
  /Cannot autolaunch D-Bus/i, // no session bus, and no X11 display to start one
  /Cannot spawn a message bus/i,
  /dbus-launch/i,
  /Could not connect/i, // DBUS_SESSION_BUS_ADDRESS names no live bus
  /org\.freedesktop\.secrets was not provided/i, // a bus, but no Secret Service installed
  /org\.freedesktop\.DBus\.Error\.ServiceUnknown/i,
  /Object does not exist at path .*\/org\/freedesktop\/secrets\/collection\//i, // no default keyring, and no prompt to make one
  /locked collection/i,
  // macOS Security framework (errSecNotAvailable, errSecNoDefaultKeychain).
  /No keychain is available/i,
  /default keychain could not be found/i,
];

export function isKeychainUnavailable(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return UNAVAILABLE.some((pattern) => pattern.test(message));
}

const PASSPHRASE_OPTION =
  'If you cannot use a keychain, you can instead choose to protect this profile with a passphrase (a vault file encrypted with a key derived from it).';

export function keychainUnavailableMessage(platform: NodeJS.Platform, reason: string): string {
  switch (platform) {
    case 'darwin':
      return `The macOS Keychain is not reachable (${reason}). Aegees keeps its keys in your login keychain: sign in to a graphical session and unlock the login keychain (Keychain Access). ${PASSPHRASE_OPTION}`;
    case 'win32':
      return `Windows Credential Manager is not reachable (${reason}). Aegees keeps its keys there: run the app in an interactive session of a user whose profile is loaded. ${PASSPHRASE_OPTION}`;
    default:
      return `No OS keychain is reachable (${reason}). Aegees keeps its keys in a Secret Service keychain: install one, such as gnome-keyring (Debian/Ubuntu: apt install gnome-keyring) or KeePassXC with its Secret Service integration enabled, and run Aegees in a D-Bus session where it is running and unlocked (DBUS_SESSION_BUS_ADDRESS set; without a desktop session, start one with dbus-run-session). ${PASSPHRASE_OPTION}`;
  }
}

/** Maps a keytar failure during `action` to KEYCHAIN_UNAVAILABLE or KEYCHAIN_FAILED. */
export function keytarError(error: unknown, action: string, platform: NodeJS.Platform = process.platform): AegeesError {
  const reason = error instanceof Error ? error.message : String(error);
  if (isKeychainUnavailable(error)) {
    return new AegeesError('KEYCHAIN_UNAVAILABLE', keychainUnavailableMessage(platform, reason), { cause: error });
  }
  return new AegeesError('KEYCHAIN_FAILED', `the OS keychain failed to ${action}: ${reason}`, { cause: error });
}
