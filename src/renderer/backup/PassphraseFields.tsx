import { LIMITS } from '../../common/api/limits.js';

export function PassphraseFields(props: { passphrase: string; onPassphrase: (value: string) => void; confirm?: string; onConfirm?: (value: string) => void }) {
  return (
    <>
      <label className="field">
        <span>Passphrase (at least {LIMITS.minPassphraseChars} characters)</span>
        <input type="password" value={props.passphrase} onChange={(event) => props.onPassphrase(event.target.value)} minLength={LIMITS.minPassphraseChars} maxLength={1024} required autoComplete="new-password" />
      </label>
      {props.onConfirm && (
        <label className="field">
          <span>Repeat the passphrase</span>
          <input type="password" value={props.confirm ?? ''} onChange={(event) => props.onConfirm?.(event.target.value)} required autoComplete="new-password" />
        </label>
      )}
    </>
  );
}
