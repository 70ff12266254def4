import type { Conversation } from '../../common/api/contract.js';
import { useApi } from '../api/ApiContext.js';
import { useLive } from '../api/hooks.js';

/** Every conversation, most recent activity first, kept current by conversationUpdated. */
export function useConversations() {
  const api = useApi();
  return useLive<Conversation[], 'conversationUpdated'>(
    async () => sortByActivity(await api.call('listConversations', {})),
    'conversationUpdated',
    (current, updated) => sortByActivity([updated, ...(current ?? []).filter((c) => c.id !== updated.id)]),
  );
}

function sortByActivity(conversations: Conversation[]): Conversation[] {
  return [...conversations].sort((a, b) => b.lastActivityAt - a.lastActivityAt);
}
