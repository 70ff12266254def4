import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import type { Settings } from '../../common/api/contract.js';
import { useApi } from '../api/ApiContext.js';

interface SettingsState {
  settings: Settings | undefined;
  update: (patch: Partial<Settings>) => Promise<void>;
  /** Settings exist once there is an account; the gate asks for a reload after onboarding. */
  reload: () => void;
}

const SettingsContext = createContext<SettingsState | null>(null);

export function SettingsProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const [settings, setSettings] = useState<Settings>();
  const reload = useCallback(() => {
    api.call('getSettings', {}).then(setSettings, () => setSettings(undefined));
  }, [api]);
  useEffect(reload, [reload]);
  const update = useCallback(async (patch: Partial<Settings>) => setSettings(await api.call('updateSettings', patch)), [api]);
  useTheme(settings?.theme ?? 'system');
  return <SettingsContext.Provider value={{ settings, update, reload }}>{children}</SettingsContext.Provider>;
}

export function useSettings(): SettingsState {
  const state = useContext(SettingsContext);
  if (!state) throw new Error('useSettings outside SettingsProvider');
  return state;
}

/** The stylesheet keys its colours on data-theme; "system" follows the OS setting live. */
function useTheme(theme: Settings['theme']): void {
  useEffect(() => {
    const media = window.matchMedia?.('(prefers-color-scheme: dark)');
    const apply = () => {
      document.documentElement.dataset.theme = theme === 'system' ? (media?.matches ? 'dark' : 'light') : theme;
    };
    apply();
    media?.addEventListener('change', apply);
    return () => media?.removeEventListener('change', apply);
  }, [theme]);
}
