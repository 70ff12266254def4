import { useState, type FormEvent } from 'react';
import { LIMITS } from '../../common/api/limits.js';
import { useApi } from '../api/ApiContext.js';
import { useAction } from '../api/hooks.js';
import { ErrorText } from '../ui/ErrorText.js';

/** Adds a relay by address and identity key; the key is what unmasks an impostor with a valid certificate. */
export function AddRelayForm() {
  const api = useApi();
  const [url, setUrl] = useState('');
  const [key, setKey] = useState('');
  const add = useAction(() => api.call('addRelay', { url: url.trim(), identityKey: key.trim().toLowerCase() }));
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (await add.run()) {
      setUrl('');
      setKey('');
    }
  }
  return (
    <section className="card" aria-labelledby="add-relay-title">
      <h2 id="add-relay-title">Add a relay</h2>
      <form onSubmit={submit} className="stack">
        <label className="field">
          <span>Address</span>
          <input type="url" placeholder="https://relay.example.org" value={url} onChange={(event) => setUrl(event.target.value)} maxLength={LIMITS.relayUrlChars} required spellCheck={false} />
        </label>
        <label className="field">
          <span>Relay identity key (64 hex digits, from the relay’s operator)</span>
          <input value={key} onChange={(event) => setKey(event.target.value)} pattern="[0-9a-fA-F]{64}" maxLength={64} required spellCheck={false} className="mono" />
        </label>
        <ErrorText error={add.error} />
        <button type="submit" className="primary" disabled={add.busy}>
          Add relay
        </button>
      </form>
    </section>
  );
}
