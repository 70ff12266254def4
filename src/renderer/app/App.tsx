import type { AegeesApi } from '../../common/api/contract.js';
import { ApiProvider } from '../api/ApiContext.js';
import { ProfileGate } from './ProfileGate.js';
import { ProgressProvider } from './progress.js';
import { SettingsProvider } from './settings.js';

export function App({ api }: { api: AegeesApi }) {
  return (
    <ApiProvider api={api}>
      <SettingsProvider>
        <ProgressProvider>
          <ProfileGate />
        </ProgressProvider>
      </SettingsProvider>
    </ApiProvider>
  );
}
