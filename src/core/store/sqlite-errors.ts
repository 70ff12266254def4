// Maps the SQLite failures a user can do something about to typed errors; everything else
// is passed on unchanged.
import { AegeesError } from '../../common/errors.js';

function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

export function storeError(error: unknown, path: string): unknown {
  const code = sqliteCode(error);
  // SQLCipher authenticates page 1 first: a wrong key and a file that is not (or no longer)
  // an Aegees database both surface as NOTADB.
  if (code === 'SQLITE_NOTADB') {
    return new AegeesError(
      'STORE_WRONG_KEY',
      `the database key from the keychain does not open ${path}: the key is wrong, or the file is damaged or not an Aegees database`,
      { cause: error },
    );
  }
  if (code?.startsWith('SQLITE_CORRUPT')) {
    return new AegeesError('STORE_CORRUPT', `the local database ${path} is damaged (${code})`, { cause: error });
  }
  return error;
}
