import { useEffect, useState } from 'react';
import { useApi } from '../api/ApiContext.js';
import { CodeBlock } from '../ui/CodeBlock.js';
import { ErrorText } from '../ui/ErrorText.js';
import { QrCode } from './QrCode.js';

/** My invite code, as text to copy and as a QR code to scan. */
export function MyInvite() {
  const api = useApi();
  const [code, setCode] = useState<string>();
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.call('getInvite', {}).then((invite) => setCode(invite.code), setError);
  }, [api]);
  return (
    <section className="card" aria-labelledby="invite-title">
      <h2 id="invite-title">Your invite code</h2>
      <p className="muted">Give this to someone you want to talk to. It holds your public keys only, never anything secret.</p>
      <ErrorText error={error} />
      {code && (
        <>
          <QrCode text={code} label="Your invite code as a QR code" />
          <CodeBlock label="Invite code" code={code} />
        </>
      )}
    </section>
  );
}
