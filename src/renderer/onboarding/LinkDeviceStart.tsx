import { useState, type FormEvent } from 'react';
import { LIMITS } from '../../common/api/limits.js';
import { useApi } from '../api/ApiContext.js';
import { useAction } from '../api/hooks.js';
import { ErrorText } from '../ui/ErrorText.js';

/** Starts linking; the profile then turns to "linking" and the gate shows the code. */
export function LinkDeviceStart({ onDone }: { onDone: () => void }) {
  const api = useApi();
  const [deviceName, setDeviceName] = useState('');
  const begin = useAction(() => api.call('beginDeviceLink', { deviceName }));
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (await begin.run()) onDone();
  }
  return (
    <form onSubmit={submit} className="stack">
      <label className="field">
        <span>A name for this device (for example “Work laptop”)</span>
        <input value={deviceName} onChange={(event) => setDeviceName(event.target.value)} maxLength={LIMITS.displayNameChars} required />
      </label>
      <ErrorText error={begin.error} />
      <button type="submit" className="primary" disabled={begin.busy || deviceName.trim() === ''}>
        Get a link code
      </button>
    </form>
  );
}
