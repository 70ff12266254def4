import { useId } from 'react';
import { LIMITS } from '../../common/api/limits.js';
import { useAction } from '../api/hooks.js';
import { useSettings } from '../app/settings.js';
import { ErrorText } from '../ui/ErrorText.js';

/** Backup copies = copies on distinct relays beyond the first; a blocked or crashed relay then loses nothing. */
export function RedundancySetting() {
  const { settings, update } = useSettings();
  const id = useId();
  const save = useAction((redundancy: number) => update({ redundancy }));
  if (!settings) return null;
  const backups = settings.redundancy - 1;
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Backup copies</h2>
      <p className="muted">Each message is stored on one relay plus this many others, so it still arrives when a relay is down or blocked.</p>
      <label className="field inline" htmlFor={id}>
        <span>Backup copies per message</span>
        <select id={id} value={backups} disabled={save.busy} onChange={(event) => void save.run(Number(event.target.value) + 1)}>
          {Array.from({ length: LIMITS.maxRedundancy }, (_, n) => (
            <option key={n} value={n}>
              {n === 0 ? 'None' : n}
            </option>
          ))}
        </select>
      </label>
      <ErrorText error={save.error} />
    </section>
  );
}
