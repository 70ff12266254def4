import { useEffect, useState } from 'react';
import type { AttachmentInfo } from '../../common/api/contract.js';
import { useApi } from '../api/ApiContext.js';
import { Dialog } from '../ui/Dialog.js';
import { ErrorText } from '../ui/ErrorText.js';

/** Shows a text file inside the app, as text, rather than handing it to the browser to interpret. */
export function TextViewer({ messageId, attachment, onClose }: { messageId: string; attachment: AttachmentInfo; onClose: () => void }) {
  const api = useApi();
  const [text, setText] = useState<string>();
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let current = true;
    api.call('getAttachmentData', { messageId, attachmentId: attachment.id }).then(
      (file) => current && setText(new TextDecoder().decode(file.data)),
      (failure: unknown) => current && setError(failure),
    );
    return () => {
      current = false;
    };
  }, [api, messageId, attachment.id]);
  return (
    <Dialog title={attachment.name} onClose={onClose}>
      <ErrorText error={error} />
      {text === undefined && !error ? <p className="muted">Decrypting…</p> : <pre className="text-viewer">{text}</pre>}
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
