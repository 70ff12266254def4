import { useEffect } from 'react';
import type { ProfileStatus } from '../../common/api/contract.js';
import { useApi } from '../api/ApiContext.js';
import { useLive } from '../api/hooks.js';
import { KeychainProblem } from '../onboarding/KeychainProblem.js';
import { LinkingScreen } from '../onboarding/LinkingScreen.js';
import { Onboarding } from '../onboarding/Onboarding.js';
import { ErrorText } from '../ui/ErrorText.js';
import { useSettings } from './settings.js';
import { Shell } from './Shell.js';

/** Chooses the screen from the profile: onboarding, keychain trouble, linking, or the app. */
export function ProfileGate() {
  const api = useApi();
  const { reload: reloadSettings } = useSettings();
  const profile = useLive<ProfileStatus, 'profileChanged'>(() => api.call('getProfileStatus', {}), 'profileChanged', (_current, next) => next);
  const kind = profile.data?.kind;
  useEffect(() => {
    if (kind === 'ready') reloadSettings();
  }, [kind, reloadSettings]);

  if (profile.error) {
    return (
      <main className="center-page">
        <section className="card narrow">
          <h1>Aegees could not start</h1>
          <ErrorText error={profile.error} />
          <button type="button" className="primary" onClick={profile.reload}>
            Try again
          </button>
        </section>
      </main>
    );
  }
  const status = profile.data;
  if (!status)
    return (
      <main className="center-page" aria-busy="true">
        <p>Opening Aegees…</p>
      </main>
    );
  switch (status.kind) {
    case 'no-account':
      return <Onboarding onDone={profile.reload} />;
    case 'keychain-unavailable':
      return <KeychainProblem message={status.message} hint={status.hint} onRetry={profile.reload} />;
    case 'linking':
      return <LinkingScreen code={status.code} />;
    case 'ready':
      return <Shell me={status.me} />;
  }
}
