// Links open in the system browser only when they are https to a named site, and only
// after the person confirmed the exact address in the main process's own dialog.
import { describe, expect, it, vi } from 'vitest';
import { isAegeesError } from '../../../src/common/errors.js';
import { allowedExternalUrl, createExternalLinkOpener } from '../../../src/main/external-links.js';

describe('allowedExternalUrl', () => {
  it.each([
    ['https://example.org/'],
    ['https://example.org/a/b?q=1#part'],
    ['https://sub.example.org:8443/path'],
    ['HTTPS://EXAMPLE.ORG/'],
  ])('allows %s', (url) => {
    expect(allowedExternalUrl(url)?.protocol).toBe('https:');
  });

  it.each([
    ['plain http', 'http://example.org/'],
    ['javascript', 'javascript:alert(1)'],
    ['a local file', 'file:///etc/passwd'],
    ['a data URL', 'data:text/html,<script>alert(1)</script>'],
    ['mail', 'mailto:ada@example.org'],
    ['a custom scheme that launches a program', 'ms-msdt:/id PCWDiagnostic'],
    ['our own scheme', 'aegees://app/index.html'],
    ['a site hidden behind userinfo', 'https://bank.example@evil.example/'],
    ['a password in the address', 'https://user:secret@example.org/'],
    ['not a URL', 'example.org'],
    ['an address longer than the contract allows', `https://example.org/${'a'.repeat(2048)}`],
  ])('refuses %s', (_what, url) => {
    expect(allowedExternalUrl(url)).toBeNull();
  });
});

describe('createExternalLinkOpener', () => {
  function opener(answer: boolean) {
    const confirm = vi.fn(async (_url: URL) => answer);
    const open = vi.fn(async (_url: string) => {});
    return { confirm, open, openLink: createExternalLinkOpener({ confirm, open }) };
  }

  it('opens the address the person confirmed, in the form the dialog showed (punycode host)', async () => {
    const { confirm, open, openLink } = opener(true);
    await openLink('https://exämple.org/über?x=1');
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(confirm.mock.calls[0]![0].href).toBe('https://xn--exmple-cua.org/%C3%BCber?x=1');
    expect(open.mock.calls).toEqual([['https://xn--exmple-cua.org/%C3%BCber?x=1']]);
  });

  it('opens nothing when the person declines', async () => {
    const { open, openLink } = opener(false);
    const error = await openLink('https://example.org/').catch((failure: unknown) => failure);
    expect(isAegeesError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(open).not.toHaveBeenCalled();
  });

  it('refuses a link outside the allowlist without asking', async () => {
    const { confirm, open, openLink } = opener(true);
    const error = await openLink('file:///etc/passwd').catch((failure: unknown) => failure);
    expect(isAegeesError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(confirm).not.toHaveBeenCalled();
    expect(open).not.toHaveBeenCalled();
  });
});
