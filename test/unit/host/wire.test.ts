import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, decodeFrame, encodeBase64, encodeFrame } from '../../../src/common/api/wire.js';
import { resolveInside } from '../../../src/host/static-files.js';
import { tokensEqual } from '../../../src/host/security.js';

describe('wire encoding', () => {
  it('encodes base64 exactly as Node does, and decodes it back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = encodeBase64(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64'));
        expect([...decodeBase64(text)]).toEqual([...bytes]);
      }),
    );
  });

  it.each(['A', 'AB=', 'A===', '@@@@', 'AA=A', 'é123'])('rejects malformed base64 %j', (text) => {
    expect(() => decodeBase64(text)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  });

  it('revives tagged bytes anywhere in a frame, Node Buffers included', () => {
    const frame = { t: 'ok' as const, id: 1, result: { a: [new Uint8Array([1, 2]), { b: Buffer.from([255]) }] } };
    const decoded = decodeFrame(encodeFrame(frame)) as { result: { a: [Uint8Array, { b: Uint8Array }] } };
    expect(decoded.result.a[0]).toBeInstanceOf(Uint8Array);
    expect([...decoded.result.a[0]]).toEqual([1, 2]);
    expect([...decoded.result.a[1].b]).toEqual([255]);
  });

  it('refuses to send a value that would read back as bytes', () => {
    expect(() => encodeFrame({ t: 'call', id: 1, method: 'x', args: { $bytes: 'AA==' } })).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  });

  it('compares tokens by value, whatever their lengths', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abc', 'abd')).toBe(false);
    expect(tokensEqual('abc', 'abcd')).toBe(false);
    expect(tokensEqual('abc', '')).toBe(false);
  });

  it('maps URL paths inside the bundle directory only', () => {
    expect(resolveInside('/srv/app', '/')).toBe('/srv/app/index.html');
    expect(resolveInside('/srv/app', '/assets/x.js?v=1')).toBe('/srv/app/assets/x.js');
    expect(resolveInside('/srv/app', '/../secret')).toBe('/srv/app/secret');
    expect(resolveInside('/srv/app', '/a/%2e%2e/%2e%2e/%2e%2e/etc/passwd')).toBe('/srv/app/etc/passwd');
    expect(resolveInside('/srv/app', '/%00')).toBeNull();
    expect(resolveInside('/srv/app', '/%zz')).toBeNull();
  });
});
