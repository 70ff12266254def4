import { useState } from 'react';
import { NewGroupDialog } from '../groups/NewGroupDialog.js';
import { ErrorText } from '../ui/ErrorText.js';
import { ConversationList } from './ConversationList.js';
import { ConversationView } from './ConversationView.js';
import { SearchBox } from './SearchBox.js';
import { SearchResults } from './SearchResults.js';
import { useConversations } from './useConversations.js';

export function ChatsPage({ meId, selectedId, onSelect }: { meId: string; selectedId: string | null; onSelect: (id: string) => void }) {
  const conversations = useConversations();
  const [query, setQuery] = useState('');
  const [creating, setCreating] = useState(false);
  const [jumpTo, setJumpTo] = useState<string | null>(null);
  const selected = conversations.data?.find((c) => c.id === selectedId) ?? null;

  return (
    <div className="chats">
      <section className="chat-list-pane" aria-label="Conversations">
        <h1 className="visually-hidden">Chats</h1>
        <div className="chat-list-tools">
          <SearchBox value={query} onChange={setQuery} />
          <button type="button" onClick={() => setCreating(true)} aria-haspopup="dialog">
            New group
          </button>
        </div>
        {creating && (
          <NewGroupDialog
            onClose={() => setCreating(false)}
            onCreated={(group) => {
              setCreating(false);
              setQuery('');
              onSelect(group.id);
              setJumpTo(null);
            }}
          />
        )}
        {query.trim() ? (
          <SearchResults
            query={query}
            onOpen={(conversationId, messageId) => {
              onSelect(conversationId);
              setJumpTo(messageId);
            }}
          />
        ) : (
          <>
            <ErrorText error={conversations.error} />
            <ConversationList conversations={conversations.data} selectedId={selectedId} onSelect={(id) => { onSelect(id); setJumpTo(null); }} />
          </>
        )}
      </section>
      {selected ? (
        <ConversationView key={selected.id} conversation={selected} meId={meId} jumpTo={jumpTo} />
      ) : (
        <section className="empty-pane" aria-label="No conversation open">
          <p>Choose a conversation, or add a contact under Contacts to start one.</p>
        </section>
      )}
    </div>
  );
}
