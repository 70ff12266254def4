import { useState, type FormEvent } from 'react';
import { LIMITS } from '../../common/api/limits.js';
import { useApi } from '../api/ApiContext.js';
import { useAction } from '../api/hooks.js';
import { ErrorText } from '../ui/ErrorText.js';

/** Approves a new device by the one-time code it shows. */
export function LinkDeviceForm() {
  const api = useApi();
  const [code, setCode] = useState('');
  const [linked, setLinked] = useState<string | null>(null);
  const approve = useAction(async () => setLinked((await api.call('approveDeviceLink', { code: code.trim() })).name));
  async function submit(event: FormEvent) {
    event.preventDefault();
    setLinked(null);
    if (await approve.run()) setCode('');
  }
  return (
    <section className="card" aria-labelledby="link-title">
      <h2 id="link-title">Link a new device</h2>
      <p className="muted">On the new device, choose “I already use Aegees”. It shows a one-time code; enter it here.</p>
      <form onSubmit={submit} className="stack">
        <label className="field">
          <span>One-time code from the new device</span>
          <input value={code} onChange={(event) => setCode(event.target.value)} maxLength={LIMITS.inviteCodeChars} required spellCheck={false} autoComplete="off" />
        </label>
        <ErrorText error={approve.error} />
        {linked && (
          <p className="success-text" role="status">
            {linked} is now linked.
          </p>
        )}
        <button type="submit" className="primary" disabled={approve.busy || code.trim() === ''}>
          Link device
        </button>
      </form>
    </section>
  );
}
