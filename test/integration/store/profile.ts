// Helpers for store tests on real profiles: the real Secret Service, real files.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import keytar from 'keytar';
import { KEYCHAIN_SERVICE } from '../../../src/core/keychain/os-keychain.js';
import { readProfileId } from '../../../src/core/keychain/profile-id.js';

export function requireSecretService(): void {
  if (!process.env.AEGEES_SECRET_SERVICE) {
    throw new Error('run these tests through scripts/with-secret-service.sh (npm test does), which starts a private Secret Service');
  }
}

/** Every file in the directory, by name, with its bytes. */
export async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of (await readdir(dir)).sort()) files.set(name, await readFile(join(dir, name)));
  return files;
}

/** Deletes the keychain entries of the given profile directories. */
export async function forgetProfiles(dirs: readonly string[]): Promise<void> {
  const ids = (await Promise.all(dirs.map((dir) => readProfileId(dir).catch(() => undefined)))).filter(Boolean);
  for (const { account } of await keytar.findCredentials(KEYCHAIN_SERVICE)) {
    if (ids.some((id) => account.startsWith(`${id}/`))) await keytar.deletePassword(KEYCHAIN_SERVICE, account);
  }
}
