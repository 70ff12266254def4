import { useState } from 'react';
import { ImportBackup } from '../backup/ImportBackup.js';
import { CreateAccountForm } from './CreateAccountForm.js';
import { LinkDeviceStart } from './LinkDeviceStart.js';

type Path = 'create' | 'link' | 'restore';

/** First run: create an account, link this device to an existing one, or restore a backup. */
export function Onboarding({ onDone }: { onDone: () => void }) {
  const [path, setPath] = useState<Path>('create');
  return (
    <main className="center-page">
      <section className="card narrow">
        <h1>Welcome to Aegees</h1>
        <p className="muted">Messages are encrypted on this device for every device of every person in the conversation. Servers only pass them along and then forget them.</p>
        <div className="segmented" role="tablist" aria-label="How to start">
          <PathTab path="create" current={path} onSelect={setPath} label="New account" />
          <PathTab path="link" current={path} onSelect={setPath} label="I already use Aegees" />
          <PathTab path="restore" current={path} onSelect={setPath} label="Restore a backup" />
        </div>
        <div role="tabpanel" aria-label={path === 'create' ? 'New account' : path === 'link' ? 'Link to an existing device' : 'Restore a backup'}>
          {path === 'create' && <CreateAccountForm onDone={onDone} />}
          {path === 'link' && <LinkDeviceStart onDone={onDone} />}
          {path === 'restore' && <ImportBackup onDone={onDone} />}
        </div>
      </section>
    </main>
  );
}

function PathTab({ path, current, onSelect, label }: { path: Path; current: Path; onSelect: (path: Path) => void; label: string }) {
  return (
    <button type="button" role="tab" aria-selected={path === current} className={path === current ? 'selected' : ''} onClick={() => onSelect(path)}>
      {label}
    </button>
  );
}
