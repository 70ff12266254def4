import { useState } from 'react';
import type { AttachmentInfo } from '../../common/api/contract.js';
import { useApi } from '../api/ApiContext.js';
import { useAction } from '../api/hooks.js';
import { useProgress } from '../app/progress.js';
import { isPreviewableImage, saveBytes } from '../lib/files.js';
import { formatBytes } from '../lib/time.js';
import { ErrorText } from '../ui/ErrorText.js';
import { ProgressBar } from '../ui/ProgressBar.js';
import { ImagePreview } from './ImagePreview.js';
import { TextViewer } from './TextViewer.js';

export function AttachmentItem({ messageId, attachment }: { messageId: string; attachment: AttachmentInfo }) {
  const api = useApi();
  const progress = useProgress(attachment.id);
  const [viewingText, setViewingText] = useState(false);
  const save = useAction(async () => {
    const file = await api.call('getAttachmentData', { messageId, attachmentId: attachment.id });
    saveBytes(file.name, file.data);
  });
  // The sender's copy is ready at once (it is on this device); its upload to the relays runs
  // while its progress reports last, and the bar goes with the last one.
  const sending = progress?.operation === 'attachment-upload';
  const moving = sending || attachment.state === 'uploading' || attachment.state === 'downloading';
  const ready = attachment.state === 'ready';
  const image = ready && isPreviewableImage(attachment.mime);
  const text = ready && attachment.mime.startsWith('text/plain');

  return (
    <div className="attachment">
      {image && <ImagePreview messageId={messageId} attachment={attachment} />}
      <div className="attachment-row">
        <span className="attachment-name" title={attachment.name}>
          {attachment.name}
        </span>
        <span className="muted small">{formatBytes(attachment.size)}</span>
        {ready && (
          <button type="button" className="small" onClick={() => void save.run()} disabled={save.busy} aria-label={`Save ${attachment.name}`}>
            Save
          </button>
        )}
        {text && (
          <button type="button" className="small" onClick={() => setViewingText(true)} aria-label={`Open ${attachment.name}`}>
            Open
          </button>
        )}
      </div>
      {moving && (
        <ProgressBar
          label={`${sending || attachment.state === 'uploading' ? 'Uploading' : 'Downloading'} ${attachment.name}`}
          done={progress?.done ?? attachment.transferred}
          total={progress?.total ?? attachment.size}
        />
      )}
      {attachment.state === 'failed' && <p className="error-text small">This file could not be transferred.</p>}
      <ErrorText error={save.error} />
      {viewingText && <TextViewer messageId={messageId} attachment={attachment} onClose={() => setViewingText(false)} />}
    </div>
  );
}
