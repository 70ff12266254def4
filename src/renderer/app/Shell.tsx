import { useCallback, useState } from 'react';
import type { AccountSummary } from '../../common/api/contract.js';
import { BackupPage } from '../backup/BackupPage.js';
import { ChatsPage } from '../chats/ChatsPage.js';
import { ContactsPage } from '../contacts/ContactsPage.js';
import { DevicesPage } from '../devices/DevicesPage.js';
import { ServersPage } from '../servers/ServersPage.js';
import { SettingsPage } from '../settings/SettingsPage.js';
import { Nav, type Page } from './Nav.js';

/** The signed-in app: navigation on the left, one page on the right. */
export function Shell({ me }: { me: AccountSummary }) {
  const [page, setPage] = useState<Page>('chats');
  const [conversationId, setConversationId] = useState<string | null>(null);
  const openConversation = useCallback((id: string) => {
    setConversationId(id);
    setPage('chats');
  }, []);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Nav page={page} onSelect={setPage} me={me} />
      <main id="main" className="page" tabIndex={-1}>
        {page === 'chats' && <ChatsPage meId={me.accountId} selectedId={conversationId} onSelect={setConversationId} />}
        {page === 'contacts' && <ContactsPage onOpenConversation={openConversation} />}
        {page === 'servers' && <ServersPage />}
        {page === 'devices' && <DevicesPage />}
        {page === 'backup' && <BackupPage />}
        {page === 'settings' && <SettingsPage me={me} />}
      </main>
    </div>
  );
}
