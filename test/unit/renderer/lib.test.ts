import { describe, expect, it } from 'vitest';
import type { Message } from '../../../src/common/api/contract.js';
import { buildRows } from '../../../src/renderer/chats/rows.js';
import { groupDigits } from '../../../src/renderer/contacts/SafetyNumberDialog.js';
import { qrPath } from '../../../src/renderer/contacts/QrCode.js';
import { safeFileName } from '../../../src/renderer/lib/files.js';
import { splitLinks } from '../../../src/renderer/lib/links.js';

const message = (id: string, sentAt: number) => ({ id, sentAt }) as Message;

describe('renderer helpers', () => {
  it('splits http(s) links out of text and leaves trailing punctuation outside', () => {
    expect(splitLinks('go to https://a.example/x. Then (http://b.example)!')).toEqual([
      { kind: 'text', text: 'go to ' },
      { kind: 'link', text: 'https://a.example/x', url: 'https://a.example/x' },
      { kind: 'text', text: '. Then (' },
      { kind: 'link', text: 'http://b.example', url: 'http://b.example/' },
      { kind: 'text', text: ')!' },
    ]);
    expect(splitLinks('ftp://x.example javascript:alert(1)')).toEqual([{ kind: 'text', text: 'ftp://x.example javascript:alert(1)' }]);
  });

  it('puts a day separator before the first message of each day', () => {
    const day = Date.UTC(2026, 0, 10, 12);
    const rows = buildRows([message('a', day), message('b', day + 1000), message('c', day + 86_400_000)], day + 86_400_000);
    expect(rows.map((r) => r.kind)).toEqual(['day', 'message', 'message', 'day', 'message']);
    expect(rows[3]).toMatchObject({ label: 'Today' });
  });

  it('draws a QR code as path data, and refuses a code too long for one', () => {
    const symbol = qrPath('AEGEES1-hello')!;
    expect(symbol.size).toBeGreaterThanOrEqual(21);
    expect(symbol.path).toMatch(/^(M\d+ \d+h1v1h-1z)+$/);
    expect(qrPath('x'.repeat(5000))).toBeNull();
  });

  it('groups safety-number digits by five and cleans file names for saving', () => {
    expect(groupDigits('12345 67890 12')).toEqual(['12345', '67890', '12']);
    expect(safeFileName('../../etc/passwd')).toBe('__.._etc_passwd');
    expect(safeFileName('a\u0000b:c.txt')).toBe('a_b_c.txt');
    expect(safeFileName('')).toBe('file');
  });
});
