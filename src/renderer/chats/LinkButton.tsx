import { useState } from 'react';
import { useApi } from '../api/ApiContext.js';
import { useAction } from '../api/hooks.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { ErrorText } from '../ui/ErrorText.js';

/** A link in a message: shows the full address and opens it only after the person confirms. */
export function LinkButton({ text, url }: { text: string; url: string }) {
  const api = useApi();
  const [asking, setAsking] = useState(false);
  const open = useAction(() => api.call('openExternalLink', { url }));
  const host = new URL(url).host;
  return (
    <>
      <button type="button" className="message-link" onClick={() => setAsking(true)} aria-label={`Link to ${host}: ${text}`}>
        {text}
      </button>
      {asking && (
        <ConfirmDialog
          title="Open this link?"
          confirmLabel="Open in browser"
          onCancel={() => {
            setAsking(false);
            open.clearError();
          }}
          onConfirm={async () => {
            if (await open.run()) setAsking(false);
          }}
        >
          <p>This opens the address below in your web browser. Only continue if you trust it.</p>
          <p className="link-preview">
            <span className="muted">Site: </span>
            <strong>{host}</strong>
          </p>
          <p className="link-full">{url}</p>
          <ErrorText error={open.error} />
        </ConfirmDialog>
      )}
    </>
  );
}
