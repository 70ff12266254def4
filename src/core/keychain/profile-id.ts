// A profile's keychain entries are named after a random id kept in the profile directory,
// not after its path, so moving or renaming the directory keeps its secrets reachable.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AegeesError } from '../../common/errors.js';
import { randomBytes } from '../crypto/sodium.js';
import { writeFileAtomic } from './atomic-file.js';

export const PROFILE_ID_FILE = 'profile-id';
const PROFILE_ID = /^[0-9a-f]{32}$/;

export async function readProfileId(profileDir: string): Promise<string | undefined> {
  const path = join(profileDir, PROFILE_ID_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const id = text.trim();
  if (!PROFILE_ID.test(id)) throw new AegeesError('MALFORMED', `${path} does not hold a profile id`);
  return id;
}

/** Reads the profile's id, creating the directory and the id on first use. */
export async function ensureProfileId(profileDir: string): Promise<string> {
  const existing = await readProfileId(profileDir);
  if (existing) return existing;
  await mkdir(profileDir, { recursive: true, mode: 0o700 });
  const id = randomBytes(16).toString('hex');
  try {
    await writeFileAtomic(join(profileDir, PROFILE_ID_FILE), Buffer.from(`${id}\n`), { exclusive: true });
  } catch (error) {
    // Another opener won the race; its id is the profile's.
    const winner = (error as NodeJS.ErrnoException).code === 'EEXIST' ? await readProfileId(profileDir) : undefined;
    if (winner) return winner;
    throw error;
  }
  return id;
}
