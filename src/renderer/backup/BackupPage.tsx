import { ExportBackup } from './ExportBackup.js';
import { ImportBackup } from './ImportBackup.js';

export function BackupPage() {
  return (
    <div className="page-scroll">
      <h1>Backup</h1>
      <p className="muted">A backup holds your keys, contacts and messages, encrypted with a passphrase you choose. Without the passphrase nobody can open it — you neither.</p>
      <div className="columns">
        <section className="card" aria-labelledby="export-title">
          <h2 id="export-title">Export a backup</h2>
          <ExportBackup />
        </section>
        <section className="card" aria-labelledby="import-title">
          <h2 id="import-title">Restore a backup</h2>
          <ImportBackup />
        </section>
      </div>
    </div>
  );
}
