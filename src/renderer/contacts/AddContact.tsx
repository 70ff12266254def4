import { useState, type FormEvent } from 'react';
import { LIMITS } from '../../common/api/limits.js';
import { useApi } from '../api/ApiContext.js';
import { useAction } from '../api/hooks.js';
import { ErrorText } from '../ui/ErrorText.js';

export function AddContact({ onAdded }: { onAdded: () => void }) {
  const api = useApi();
  const [code, setCode] = useState('');
  const [added, setAdded] = useState<string | null>(null);
  const add = useAction(async () => {
    const contact = await api.call('addContact', { code: code.trim() });
    setAdded(contact.displayName);
  });
  async function submit(event: FormEvent) {
    event.preventDefault();
    setAdded(null);
    if (await add.run()) {
      setCode('');
      onAdded();
    }
  }
  return (
    <section className="card" aria-labelledby="add-contact-title">
      <h2 id="add-contact-title">Add a contact</h2>
      <form onSubmit={submit} className="stack">
        <label className="field">
          <span>Their invite code</span>
          <textarea value={code} onChange={(event) => setCode(event.target.value)} rows={4} maxLength={LIMITS.inviteCodeChars} required spellCheck={false} />
        </label>
        <ErrorText error={add.error} />
        {added && (
          <p className="success-text" role="status">
            Request sent to {added}. You can write once they accept.
          </p>
        )}
        <button type="submit" className="primary" disabled={add.busy || code.trim() === ''}>
          Send contact request
        </button>
      </form>
    </section>
  );
}
