import { useEffect, useState } from 'react';
import type { AttachmentInfo } from '../../common/api/contract.js';
import { useApi } from '../api/ApiContext.js';
import { Dialog } from '../ui/Dialog.js';
import { cachedPreview, storePreview } from './attachment-cache.js';

/** An inline picture, decrypted on demand; the button opens it full size. */
export function ImagePreview({ messageId, attachment }: { messageId: string; attachment: AttachmentInfo }) {
  const api = useApi();
  const key = `${messageId}/${attachment.id}`;
  const [url, setUrl] = useState(() => cachedPreview(key));
  const [failed, setFailed] = useState(false);
  const [open, setOpen] = useState(false);

  useEffect(() => {
    if (url) return;
    let current = true;
    api.call('getAttachmentData', { messageId, attachmentId: attachment.id }).then(
      (file) => current && setUrl(storePreview(key, new Blob([file.data as Uint8Array<ArrayBuffer>], { type: attachment.mime }))),
      () => current && setFailed(true),
    );
    return () => {
      current = false;
    };
  }, [api, key, messageId, attachment.id, attachment.mime, url]);

  if (failed) return <p className="muted small">Preview not available.</p>;
  if (!url) return <div className="image-placeholder" aria-label={`Loading ${attachment.name}`} role="img" />;
  return (
    <>
      <button type="button" className="image-button" onClick={() => setOpen(true)} aria-label={`View ${attachment.name} full size`}>
        <img src={url} alt={attachment.name} className="image-preview" loading="lazy" />
      </button>
      {open && (
        <Dialog title={attachment.name} onClose={() => setOpen(false)}>
          <img src={url} alt={attachment.name} className="image-full" />
          <div className="dialog-actions">
            <button type="button" className="primary" onClick={() => setOpen(false)}>
              Close
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
