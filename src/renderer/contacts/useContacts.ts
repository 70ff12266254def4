import type { Contact } from '../../common/api/contract.js';
import { useApi } from '../api/ApiContext.js';
import { useLive } from '../api/hooks.js';

export function useContacts() {
  const api = useApi();
  return useLive<Contact[], 'contactsChanged'>(() => api.call('listContacts', {}), 'contactsChanged', (_current, next) => next);
}
