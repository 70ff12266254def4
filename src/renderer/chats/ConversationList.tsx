import type { KeyboardEvent } from 'react';
import type { Conversation } from '../../common/api/contract.js';
import { initials } from '../app/Nav.js';
import { formatListTime } from '../lib/time.js';

export function ConversationList({ conversations, selectedId, onSelect }: { conversations: Conversation[] | undefined; selectedId: string | null; onSelect: (id: string) => void }) {
  if (!conversations) return <p className="muted pad">Loading conversations…</p>;
  if (conversations.length === 0) return <p className="muted pad">No conversations yet.</p>;
  return (
    <ul className="conversation-list" onKeyDown={moveFocus}>
      {conversations.map((conversation) => (
        <li key={conversation.id}>
          <ConversationItem conversation={conversation} selected={conversation.id === selectedId} onSelect={onSelect} />
        </li>
      ))}
    </ul>
  );
}

/** Up and Down walk the list, so a keyboard user need not Tab through every row. */
function moveFocus(event: KeyboardEvent<HTMLUListElement>) {
  if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
  const buttons = [...event.currentTarget.querySelectorAll<HTMLButtonElement>('button.conversation-item')];
  const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
  const next = buttons[event.key === 'ArrowDown' ? Math.min(index + 1, buttons.length - 1) : Math.max(index - 1, 0)];
  if (next) {
    event.preventDefault();
    next.focus();
  }
}

function ConversationItem({ conversation, selected, onSelect }: { conversation: Conversation; selected: boolean; onSelect: (id: string) => void }) {
  const last = conversation.lastMessage;
  const unread = conversation.unreadCount;
  const label = [conversation.title, unread > 0 ? `${unread} unread` : null, last ? `${last.fromMe ? 'You: ' : ''}${last.preview}` : 'No messages yet'].filter(Boolean).join(', ');
  return (
    <button type="button" className="conversation-item" aria-current={selected ? 'true' : undefined} aria-label={label} onClick={() => onSelect(conversation.id)}>
      <span className="avatar" aria-hidden="true">
        {initials(conversation.title)}
      </span>
      <span className="conversation-text">
        <span className="row-top">
          <span className="title">{conversation.title}</span>
          {last && <time className="muted small">{formatListTime(last.sentAt)}</time>}
        </span>
        <span className="row-bottom">
          <span className="preview">{last ? `${last.fromMe ? 'You: ' : ''}${last.preview}` : 'No messages yet'}</span>
          {unread > 0 && <span className="badge">{unread > 999 ? '999+' : unread}</span>}
        </span>
      </span>
    </button>
  );
}
