// The relay's long-term Ed25519 identity. Clients pin its public key (roster entries carry
// it); the relay signs its information document, its mailbox challenges and its receipts
// with it. Several processes serving one PostgreSQL relay share the same key file.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SIGN_SEED_BYTES, randomBytes, signingKeyPair, wipe, type SigningKeyPair } from '../core/crypto/sodium.js';

/** Reads the 32-byte seed (hex) at `path`, creating it with mode 0600 on first start. */
export function loadOrCreateIdentity(path: string): SigningKeyPair {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const seed = randomBytes(SIGN_SEED_BYTES);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // 'wx': if another process created it first, fail rather than replace its key.
    writeFileSync(path, `${seed.toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
    wipe(seed);
    text = readFileSync(path, 'utf8');
  }
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${path} is not a relay identity key (64 hex digits)`);
  const seed = Buffer.from(hex, 'hex');
  try {
    return signingKeyPair(seed);
  } finally {
    wipe(seed);
  }
}
