import { describe, expect, it } from 'vitest';
import { isKeychainUnavailable, keytarError } from '../../../src/core/keychain/keychain-errors.js';

// Messages keytar gave on this Debian machine in each situation (see the integration
// tests, which produce the first two and the fourth for real).
const unavailable = [
  'Cannot autolaunch D-Bus without X11 $DISPLAY',
  'Could not connect: No such file or directory',
  'The name org.freedesktop.secrets was not provided by any .service files',
  'Object does not exist at path “/org/freedesktop/secrets/collection/login”',
  'Cannot create an item in a locked collection',
];

describe('keytar error mapping', () => {
  it.each(unavailable)('treats "%s" as no keychain, with what to install', (message) => {
    expect(isKeychainUnavailable(new Error(message))).toBe(true);
    const error = keytarError(new Error(message), 'answer', 'linux');
    expect(error.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(error.message).toContain(message);
    expect(error.message).toMatch(/gnome-keyring/);
    expect(error.message).toMatch(/KeePassXC/);
    expect(error.message).toMatch(/D-Bus session/);
    expect(error.message).toMatch(/passphrase/);
  });

  it('reports every other failure as KEYCHAIN_FAILED with the original as cause', () => {
    const original = new Error('Unexpected reply from the keyring daemon');
    const error = keytarError(original, 'write x/y', 'linux');
    expect(error.code).toBe('KEYCHAIN_FAILED');
    expect(error.message).toContain('write x/y');
    expect(error.message).toContain(original.message);
    expect(error.cause).toBe(original);
  });

  it('names the platform keychain and the passphrase option on macOS and Windows', () => {
    const mac = keytarError(new Error('No keychain is available. You may need to restart your computer.'), 'answer', 'darwin');
    expect(mac.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(mac.message).toMatch(/macOS Keychain.*passphrase/s);
    const windows = keytarError(new Error('Could not connect: x'), 'answer', 'win32');
    expect(windows.message).toMatch(/Credential Manager.*passphrase/s);
  });
});
