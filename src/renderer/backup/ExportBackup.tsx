import { useState, type FormEvent } from 'react';
import { LIMITS } from '../../common/api/limits.js';
import { useApi } from '../api/ApiContext.js';
import { useAction } from '../api/hooks.js';
import { useOperationProgress } from '../app/progress.js';
import { formatBytes } from '../lib/time.js';
import { ErrorText } from '../ui/ErrorText.js';
import { ProgressBar } from '../ui/ProgressBar.js';
import { PassphraseFields } from './PassphraseFields.js';

export function ExportBackup() {
  const api = useApi();
  const [path, setPath] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState<{ path: string; bytes: number } | null>(null);
  const progress = useOperationProgress('backup-export');
  const run = useAction(async () => setDone(await api.call('exportBackup', { path: path.trim(), passphrase })));
  const mismatch = confirm !== '' && confirm !== passphrase;
  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    if (await run.run()) {
      setPassphrase('');
      setConfirm('');
    }
  }
  return (
    <form onSubmit={submit} className="stack">
      <label className="field">
        <span>Save the backup file to (full path on this computer)</span>
        <input value={path} onChange={(event) => setPath(event.target.value)} placeholder="/home/me/aegees-backup.aegb" required spellCheck={false} maxLength={4096} />
      </label>
      <PassphraseFields passphrase={passphrase} onPassphrase={setPassphrase} confirm={confirm} onConfirm={setConfirm} />
      {mismatch && <p className="error-text">The two passphrases differ.</p>}
      {run.busy && <ProgressBar label="Exporting backup" done={progress?.done ?? 0} total={progress?.total ?? 0} />}
      <ErrorText error={run.error} />
      {done && (
        <p className="success-text" role="status">
          Backup written to {done.path} ({formatBytes(done.bytes)}).
        </p>
      )}
      <button type="submit" className="primary" disabled={run.busy || mismatch || passphrase.length < LIMITS.minPassphraseChars || confirm !== passphrase}>
        Export backup
      </button>
    </form>
  );
}
