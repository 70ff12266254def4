import { useEffect, useState, type DragEvent } from 'react';
import type { Conversation } from '../../common/api/contract.js';
import { useApi } from '../api/ApiContext.js';
import { useAction } from '../api/hooks.js';
import { attachmentProblem, toOutgoing, toPending, type PendingFile } from '../lib/files.js';
import { ErrorText } from '../ui/ErrorText.js';
import { Composer } from './Composer.js';
import { ConversationHeader } from './ConversationHeader.js';
import { IncomingFiles } from './IncomingFiles.js';
import { MessageList } from './MessageList.js';
import { useMessages } from './useMessages.js';

export function ConversationView({ conversation, meId, jumpTo }: { conversation: Conversation; meId: string; jumpTo: string | null }) {
  const api = useApi();
  const state = useMessages(conversation.id);
  const [pending, setPending] = useState<PendingFile[]>([]);
  const [dragging, setDragging] = useState(false);
  const [highlightId, setHighlightId] = useState<string | null>(null);
  const problem = attachmentProblem(pending);

  const send = useAction(async (text: string) => {
    const message = await api.call('sendMessage', { conversationId: conversation.id, text, attachments: await toOutgoing(pending) });
    state.showSent(message);
    setPending([]);
  });

  const { reveal } = state;
  useEffect(() => {
    if (jumpTo === null) return;
    void reveal(jumpTo).then((found) => setHighlightId(found ? jumpTo : null));
  }, [jumpTo, reveal]);

  // Reading happens while this conversation is on screen; unread counts follow.
  const unread = conversation.unreadCount;
  useEffect(() => {
    if (unread > 0 && document.visibilityState === 'visible') api.call('markRead', { conversationId: conversation.id }).catch(() => {});
  }, [api, conversation.id, unread]);

  function onDragOver(event: DragEvent) {
    if (!event.dataTransfer.types.includes('Files')) return;
    event.preventDefault();
    setDragging(true);
  }
  function onDrop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    if (event.dataTransfer.files.length > 0) setPending((current) => [...current, ...toPending(event.dataTransfer.files)]);
  }

  return (
    <section
      className={`conversation${dragging ? ' dragging' : ''}`}
      aria-label={`Conversation with ${conversation.title}`}
      onDragOver={onDragOver}
      onDragLeave={(event) => event.currentTarget === event.target && setDragging(false)}
      onDrop={onDrop}
    >
      <ConversationHeader conversation={conversation} meId={meId} />
      <ErrorText error={state.error} />
      <MessageList conversation={conversation} state={state} highlightId={highlightId} />
      <IncomingFiles conversation={conversation} meId={meId} />
      {dragging && (
        <div className="drop-hint" aria-hidden="true">
          Drop files to attach them
        </div>
      )}
      {problem && (
        <p className="error-text" role="alert">
          {problem}
        </p>
      )}
      <ErrorText error={send.error} />
      <Composer
        title={conversation.title}
        pending={pending}
        onAddFiles={(files) => setPending((current) => [...current, ...files])}
        onRemoveFile={(key) => setPending((current) => current.filter((f) => f.key !== key))}
        onSend={(text) => (problem ? Promise.resolve(false) : send.run(text))}
        busy={send.busy}
      />
    </section>
  );
}
