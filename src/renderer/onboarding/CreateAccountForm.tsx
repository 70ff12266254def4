import { useState, type FormEvent } from 'react';
import { LIMITS } from '../../common/api/limits.js';
import { useApi } from '../api/ApiContext.js';
import { useAction } from '../api/hooks.js';
import { ErrorText } from '../ui/ErrorText.js';

export function CreateAccountForm({ onDone }: { onDone: () => void }) {
  const api = useApi();
  const [name, setName] = useState('');
  const create = useAction(() => api.call('createAccount', { displayName: name }));
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (await create.run()) onDone();
  }
  return (
    <form onSubmit={submit} className="stack">
      <label className="field">
        <span>Your name, as your contacts will see it</span>
        <input value={name} onChange={(event) => setName(event.target.value)} maxLength={LIMITS.displayNameChars} required autoFocus autoComplete="nickname" />
      </label>
      <ErrorText error={create.error} />
      <button type="submit" className="primary" disabled={create.busy || name.trim() === ''}>
        {create.busy ? 'Creating keys…' : 'Create account'}
      </button>
    </form>
  );
}
