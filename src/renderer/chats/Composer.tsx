import { useRef, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import { LIMITS } from '../../common/api/limits.js';
import { toPending, type PendingFile } from '../lib/files.js';
import { formatBytes } from '../lib/time.js';
import { Icon } from '../ui/Icon.js';

export interface ComposerProps {
  title: string;
  pending: PendingFile[];
  onAddFiles: (files: PendingFile[]) => void;
  onRemoveFile: (key: string) => void;
  /** Resolves true when the message was accepted; the text is kept otherwise. */
  onSend: (text: string) => Promise<boolean>;
  busy: boolean;
}

/** Enter sends, Shift+Enter starts a new line; files come from the button, a paste, or a drop on the conversation. */
export function Composer({ title, pending, onAddFiles, onRemoveFile, onSend, busy }: ComposerProps) {
  const [text, setText] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);
  const canSend = !busy && (text.trim() !== '' || pending.length > 0);

  async function send() {
    if (!canSend) return;
    if (await onSend(text)) setText('');
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // While an input method is composing, Enter confirms the composition, not the message.
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    void send();
  }

  function onPaste(event: ClipboardEvent<HTMLTextAreaElement>) {
    const files = [...event.clipboardData.files];
    if (files.length === 0) return;
    event.preventDefault();
    onAddFiles(toPending(files));
  }

  return (
    <div className="composer">
      {pending.length > 0 && (
        <ul className="pending-files" aria-label="Files to send">
          {pending.map(({ key, file }) => (
            <li key={key} className="chip">
              <span className="chip-name">{file.name}</span>
              <span className="muted small">{formatBytes(file.size)}</span>
              <button type="button" className="icon-button" aria-label={`Remove ${file.name}`} onClick={() => onRemoveFile(key)}>
                <Icon name="close" size={14} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-row">
        <button type="button" className="icon-button" aria-label="Attach files" onClick={() => fileInput.current?.click()}>
          <Icon name="attach" />
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          aria-label="Choose files to attach"
          onChange={(event) => {
            if (event.target.files) onAddFiles(toPending(event.target.files));
            event.target.value = '';
          }}
        />
        <textarea
          className="composer-input"
          aria-label={`Message to ${title}`}
          placeholder="Write a message"
          rows={Math.min(8, text.split('\n').length)}
          maxLength={LIMITS.messageTextChars}
          value={text}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        <button type="button" className="icon-button send" aria-label="Send message" disabled={!canSend} onClick={() => void send()}>
          <Icon name="send" />
        </button>
      </div>
    </div>
  );
}
