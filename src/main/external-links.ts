// Links from messages open in the system browser only when they are https and only after
// the person confirms in a dialog the main process shows. The renderer asks first too, but
// a compromised page could skip its own dialog; it cannot skip this one.
import { AegeesError } from '../common/errors.js';

/** Longest address opened; the contract allows no longer. */
const MAX_URL_CHARS = 2048;

/**
 * The allowlist: https with a host, no userinfo (https://bank.example@evil.example shows one
 * site and opens another). Returns the parsed URL, or null for anything else.
 */
export function allowedExternalUrl(input: string): URL | null {
  if (input.length > MAX_URL_CHARS) return null;
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.hostname === '' || url.username !== '' || url.password !== '') return null;
  return url;
}

export interface ExternalLinkDeps {
  /** Shows the address (as the browser will get it) and resolves true only when the person chose to open it. */
  confirm(url: URL): Promise<boolean>;
  /** Hands the address to the system browser (shell.openExternal). */
  open(url: string): Promise<void>;
}

export function createExternalLinkOpener(deps: ExternalLinkDeps): (input: string) => Promise<void> {
  return async (input) => {
    const url = allowedExternalUrl(input);
    if (!url) throw new AegeesError('INVALID_ARGUMENT', 'only https links to a named site are opened');
    if (!(await deps.confirm(url))) throw new AegeesError('INVALID_ARGUMENT', 'the link was not opened');
    // The normalised form the person saw in the dialog (punycode host), not the raw input.
    await deps.open(url.href);
  };
}
