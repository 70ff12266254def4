import { access } from 'node:fs/promises';

/** True if `path` exists; any error other than "no such file" is thrown, not taken as absence. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
