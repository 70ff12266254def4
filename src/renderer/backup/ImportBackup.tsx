import { useState, type FormEvent } from 'react';
import { LIMITS } from '../../common/api/limits.js';
import { useApi } from '../api/ApiContext.js';
import { useAction } from '../api/hooks.js';
import { useOperationProgress } from '../app/progress.js';
import { ErrorText } from '../ui/ErrorText.js';
import { ProgressBar } from '../ui/ProgressBar.js';
import { PassphraseFields } from './PassphraseFields.js';

/** Restores a backup file; used on first run and from the Backup page. */
export function ImportBackup({ onDone }: { onDone?: () => void }) {
  const api = useApi();
  const [path, setPath] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [restored, setRestored] = useState<string | null>(null);
  const progress = useOperationProgress('backup-import');
  const run = useAction(async () => setRestored((await api.call('importBackup', { path: path.trim(), passphrase })).displayName));
  async function submit(event: FormEvent) {
    event.preventDefault();
    setRestored(null);
    if (await run.run()) {
      setPassphrase('');
      onDone?.();
    }
  }
  return (
    <form onSubmit={submit} className="stack">
      <label className="field">
        <span>Backup file (full path on this computer)</span>
        <input value={path} onChange={(event) => setPath(event.target.value)} required spellCheck={false} maxLength={4096} />
      </label>
      <PassphraseFields passphrase={passphrase} onPassphrase={setPassphrase} />
      {run.busy && <ProgressBar label="Restoring backup" done={progress?.done ?? 0} total={progress?.total ?? 0} />}
      <ErrorText error={run.error} />
      {restored && (
        <p className="success-text" role="status">
          Restored the account of {restored}.
        </p>
      )}
      <button type="submit" className="primary" disabled={run.busy || passphrase.length < LIMITS.minPassphraseChars || path.trim() === ''}>
        Restore backup
      </button>
    </form>
  );
}
