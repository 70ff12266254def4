import { useEffect, useState } from 'react';
import type { Contact } from '../../common/api/contract.js';
import { useApi } from '../api/ApiContext.js';
import { useAction } from '../api/hooks.js';
import { Dialog } from '../ui/Dialog.js';
import { ErrorText } from '../ui/ErrorText.js';

/** Compare these digits with the contact in person or on a call; a match proves no one sits in between. */
export function SafetyNumberDialog({ contact, onClose }: { contact: Contact; onClose: () => void }) {
  const api = useApi();
  const [safety, setSafety] = useState<{ digits: string; verified: boolean }>();
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.call('getSafetyNumber', { accountId: contact.accountId }).then(setSafety, setError);
  }, [api, contact.accountId]);
  const mark = useAction(async (verified: boolean) => {
    const updated = await api.call('setContactVerified', { accountId: contact.accountId, verified });
    setSafety((current) => current && { ...current, verified: updated.verified });
  });
  const groups = safety ? groupDigits(safety.digits) : [];
  return (
    <Dialog title={`Safety number with ${contact.displayName}`} onClose={onClose}>
      <p>Compare these numbers with what {contact.displayName} sees on their device, in person or on a call you trust. If they match, your conversation is end-to-end encrypted with the right person.</p>
      <ErrorText error={error} />
      {safety && (
        <>
          <div className="safety-number" role="group" aria-label="Safety number">
            {groups.map((group, index) => (
              <span key={index}>{group}</span>
            ))}
          </div>
          <p aria-live="polite">{safety.verified ? 'You marked this contact as verified.' : 'Not verified yet.'}</p>
        </>
      )}
      <ErrorText error={mark.error} />
      <div className="dialog-actions">
        {safety && (
          <button type="button" onClick={() => void mark.run(!safety.verified)} disabled={mark.busy}>
            {safety.verified ? 'Clear verification' : 'Mark as verified'}
          </button>
        )}
        <button type="button" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

/** Five-digit groups are how people read such numbers aloud. */
export function groupDigits(digits: string): string[] {
  const clean = digits.replace(/\s+/g, '');
  const groups: string[] = [];
  for (let i = 0; i < clean.length; i += 5) groups.push(clean.slice(i, i + 5));
  return groups;
}
