import type { AccountSummary, Settings } from '../../common/api/contract.js';
import { useAction } from '../api/hooks.js';
import { useSettings } from '../app/settings.js';
import { ErrorText } from '../ui/ErrorText.js';

const THEMES: { value: Settings['theme']; label: string }[] = [
  { value: 'system', label: 'Same as the system' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

export function SettingsPage({ me }: { me: AccountSummary }) {
  const { settings, update } = useSettings();
  const save = useAction((patch: Partial<Settings>) => update(patch));
  return (
    <div className="page-scroll">
      <h1>Settings</h1>
      <section className="card" aria-labelledby="account-title">
        <h2 id="account-title">Account</h2>
        <dl className="details">
          <dt>Name</dt>
          <dd>{me.displayName}</dd>
          <dt>This device</dt>
          <dd>{me.deviceName}</dd>
          <dt>Account id</dt>
          <dd>
            <code>{me.accountId}</code>
          </dd>
        </dl>
      </section>
      {settings && (
        <section className="card" aria-labelledby="look-title">
          <h2 id="look-title">Appearance and notifications</h2>
          <fieldset className="stack">
            <legend>Theme</legend>
            {THEMES.map((theme) => (
              <label key={theme.value} className="check">
                <input type="radio" name="theme" value={theme.value} checked={settings.theme === theme.value} onChange={() => void save.run({ theme: theme.value })} />
                {theme.label}
              </label>
            ))}
          </fieldset>
          <label className="check">
            <input type="checkbox" checked={settings.notificationPreviews} onChange={(event) => void save.run({ notificationPreviews: event.target.checked })} />
            Show message text in notifications
          </label>
          <p className="muted small">When off, notifications say only “New message”, so nothing readable appears on a locked or shared screen.</p>
          <ErrorText error={save.error} />
        </section>
      )}
    </div>
  );
}
