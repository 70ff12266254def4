// Our libsodium wrappers against independent implementations (@noble/curves, @noble/ciphers)
// on generated inputs, plus the edge cases Wycheproof collects for each primitive, built
// here from their definitions: no Wycheproof JSON is installable on these machines.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ED25519_TORSION_SUBGROUP, ed25519, x25519 as nobleX25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AegeesError } from '../../../src/common/errors.js';
import {
  aeadDecrypt,
  aeadEncrypt,
  blake2b,
  sealTo,
  sign,
  signingKeyPair,
  verify,
  x25519,
  x25519Base,
} from '../../../src/core/crypto/sodium.js';
import { expectCode, flipBit } from './helpers.js';

const P = (1n << 255n) - 19n;
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const message = fc.oneof(fc.uint8Array({ maxLength: 256 }), fc.uint8Array({ minLength: 4096, maxLength: 20_000 }));

function toLe(value: bigint, length = 32): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

function fromLe(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

const hex = (value: Uint8Array) => Buffer.from(value).toString('hex');

describe('Ed25519 (crypto_sign) against @noble/curves', () => {
  it('derives the same public key and the same deterministic signature', () => {
    fc.assert(
      fc.property(bytes32, message, (seed, msg) => {
        const pair = signingKeyPair(seed);
        expect(hex(pair.publicKey)).toBe(hex(ed25519.getPublicKey(seed)));
        const signature = sign(msg, pair.secretKey);
        expect(hex(signature)).toBe(hex(ed25519.sign(msg, seed)));
        expect(verify(signature, msg, pair.publicKey)).toBe(true);
        expect(ed25519.verify(signature, msg, pair.publicKey, { zip215: false })).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with strict RFC 8032 verification on tampered signatures, messages and keys', () => {
    fc.assert(
      fc.property(bytes32, fc.uint8Array({ minLength: 1, maxLength: 128 }), fc.nat(), fc.constantFrom(0, 1, 2), (seed, msg, bit, target) => {
        const pair = signingKeyPair(seed);
        let signature: Uint8Array = sign(msg, pair.secretKey);
        let data: Uint8Array = msg;
        let key: Uint8Array = pair.publicKey;
        if (target === 0) signature = flipBit(signature, bit % 512);
        else if (target === 1) data = flipBit(msg, bit % (msg.length * 8));
        else key = flipBit(key, bit % 256);
        const ours = verify(signature, data, key);
        let noble: boolean;
        try {
          noble = ed25519.verify(signature, data, key, { zip215: false });
        } catch {
          noble = false;
        }
        expect(ours).toBe(false);
        expect(noble).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('signs and verifies the empty message and a 1 MiB message', () => {
    const seed = new Uint8Array(32).fill(3);
    const pair = signingKeyPair(seed);
    for (const msg of [new Uint8Array(0), new Uint8Array(1 << 20).fill(0xab)]) {
      const signature = sign(msg, pair.secretKey);
      expect(hex(signature)).toBe(hex(ed25519.sign(msg, seed)));
      expect(verify(signature, msg, pair.publicKey)).toBe(true);
    }
  });

  it('rejects a malleated signature with non-canonical S (S + L)', () => {
    fc.assert(
      fc.property(bytes32, message, (seed, msg) => {
        const pair = signingKeyPair(seed);
        const signature = sign(msg, pair.secretKey);
        const malleated = new Uint8Array(signature);
        malleated.set(toLe(fromLe(signature.subarray(32)) + L), 32);
        expect(verify(malleated, msg, pair.publicKey)).toBe(false);
        expect(ed25519.verify(malleated, msg, pair.publicKey, { zip215: false })).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('rejects small-order public keys and small-order R, even where the equation holds', () => {
    // With A and R of small order and S = 0, [S]B = R + [k]A holds for many (R, A, k):
    // a verifier that skips the small-order checks accepts these "signatures" for any message.
    const msg = new TextEncoder().encode('any message at all');
    for (const publicKey of ED25519_TORSION_SUBGROUP) {
      for (const r of ED25519_TORSION_SUBGROUP) {
        const signature = new Uint8Array([...Buffer.from(r, 'hex'), ...new Uint8Array(32)]);
        expect(verify(signature, msg, Buffer.from(publicKey, 'hex'))).toBe(false);
      }
    }
  });

  it('rejects non-canonical public key encodings (y ≥ p)', () => {
    const seed = new Uint8Array(32).fill(9);
    const signature = sign(new Uint8Array(1), signingKeyPair(seed).secretKey);
    for (const y of [P, P + 1n, P + 2n, (1n << 255n) - 1n]) {
      for (const signBit of [0n, 1n << 255n]) {
        expect(verify(signature, new Uint8Array(1), toLe((y | signBit) & ((1n << 256n) - 1n)))).toBe(false);
      }
    }
  });

  it('returns false, not an exception, for wrong-length signatures and keys', () => {
    const pair = signingKeyPair(new Uint8Array(32));
    const signature = sign(new Uint8Array(0), pair.secretKey);
    expect(verify(signature.subarray(0, 63), new Uint8Array(0), pair.publicKey)).toBe(false);
    expect(verify(signature, new Uint8Array(0), pair.publicKey.subarray(0, 31))).toBe(false);
  });
});

describe('X25519 (crypto_scalarmult) against @noble/curves', () => {
  it('computes the same public keys and shared secrets for any scalar and any u', () => {
    fc.assert(
      fc.property(bytes32, bytes32, (scalar, u) => {
        expect(hex(x25519Base(scalar))).toBe(hex(nobleX25519.getPublicKey(scalar)));
        let expected: string | undefined;
        try {
          expected = hex(nobleX25519.getSharedSecret(scalar, u));
        } catch {
          expected = undefined;
        }
        if (expected === undefined) expectCode(() => x25519(scalar, u), 'DECRYPT_FAILED');
        else expect(hex(x25519(scalar, u))).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('agrees on a Diffie-Hellman exchange', () => {
    fc.assert(
      fc.property(bytes32, bytes32, (a, b) => {
        const shared = x25519(a, x25519Base(b));
        expect(hex(shared)).toBe(hex(x25519(b, x25519Base(a))));
        expect(hex(shared)).toBe(hex(nobleX25519.getSharedSecret(a, nobleX25519.getPublicKey(b))));
      }),
      { numRuns: 100 },
    );
  });

  // The low-order points of Curve25519: u = 0, 1, p − 1 and the two points of order 8,
  // found from the Edwards torsion points by u = (1 + y) / (1 − y).
  const orderEight = ED25519_TORSION_SUBGROUP.map((point) => fromLe(Buffer.from(point, 'hex')) & ((1n << 255n) - 1n))
    .filter((y) => y !== 1n && y !== P - 1n && y !== 0n)
    .map((y) => ((1n + y) * modPow((1n - y + P) % P, P - 2n, P)) % P);
  const lowOrder = [0n, 1n, P - 1n, ...new Set(orderEight)];

  it('refuses every low-order point, in canonical and non-canonical encodings', () => {
    expect(new Set(orderEight).size).toBe(2);
    // u + p is another encoding of u only while it stays below 2^255 (bit 255 is ignored).
    const encodings = lowOrder.flatMap((u) => [u, u | (1n << 255n), ...(u + P < 1n << 255n ? [u + P] : [])]);
    fc.assert(
      fc.property(bytes32, (scalar) => {
        for (const u of encodings) {
          const error = expectCode(() => x25519(scalar, toLe(u)), 'DECRYPT_FAILED');
          expect(error).toBeInstanceOf(AegeesError);
          expectCode(() => sealTo(new Uint8Array(32), toLe(u)), 'INVALID_ARGUMENT');
        }
      }),
      { numRuns: 20 },
    );
  });

  it('reduces non-canonical u (u ≥ p) and ignores the top bit, as RFC 7748 requires', () => {
    fc.assert(
      fc.property(bytes32, fc.bigInt({ min: 2n, max: 18n }), (scalar, small) => {
        const canonical = hex(x25519(scalar, toLe(small)));
        expect(hex(x25519(scalar, toLe(small + P)))).toBe(canonical);
        expect(hex(x25519(scalar, toLe(small | (1n << 255n))))).toBe(canonical);
        expect(hex(nobleX25519.getSharedSecret(scalar, toLe(small + P)))).toBe(canonical);
      }),
      { numRuns: 50 },
    );
  });
});

describe('XChaCha20-Poly1305 (crypto_aead_xchacha20poly1305_ietf) against @noble/ciphers', () => {
  const nonce24 = fc.uint8Array({ minLength: 24, maxLength: 24 });
  const ad = fc.uint8Array({ maxLength: 80 });

  it('produces the same ciphertext and decrypts the other implementation\'s output', () => {
    fc.assert(
      fc.property(bytes32, nonce24, ad, message, (key, nonce, data, plaintext) => {
        const ours = aeadEncrypt(plaintext, data, nonce, key);
        const noble = xchacha20poly1305(key, nonce, data).encrypt(plaintext);
        expect(hex(ours)).toBe(hex(noble));
        expect(hex(aeadDecrypt(noble, data, nonce, key))).toBe(hex(plaintext));
      }),
      { numRuns: 200 },
    );
  });

  it('handles the empty message, empty AD and a 256 KiB message', () => {
    const key = new Uint8Array(32).fill(1);
    const nonce = new Uint8Array(24).fill(2);
    for (const plaintext of [new Uint8Array(0), new Uint8Array(1 << 18).fill(5)]) {
      const ours = aeadEncrypt(plaintext, null, nonce, key);
      expect(hex(ours)).toBe(hex(xchacha20poly1305(key, nonce).encrypt(plaintext)));
      expect(aeadDecrypt(ours, null, nonce, key)).toEqual(Buffer.from(plaintext));
    }
  });

  it('rejects any flipped bit of ciphertext or tag, and any change of AD, nonce or key', () => {
    fc.assert(
      fc.property(bytes32, nonce24, ad, fc.uint8Array({ maxLength: 64 }), fc.nat(), (key, nonce, data, plaintext, n) => {
        const sealed = aeadEncrypt(plaintext, data, nonce, key);
        expectCode(() => aeadDecrypt(flipBit(sealed, n % (sealed.length * 8)), data, nonce, key), 'DECRYPT_FAILED');
        expectCode(() => aeadDecrypt(sealed, new Uint8Array([...data, 0]), nonce, key), 'DECRYPT_FAILED');
        expectCode(() => aeadDecrypt(sealed, data, flipBit(nonce, n % 192), key), 'DECRYPT_FAILED');
        expectCode(() => aeadDecrypt(sealed, data, nonce, flipBit(key, n % 256)), 'DECRYPT_FAILED');
        if (data.length > 0) expectCode(() => aeadDecrypt(sealed, flipBit(data, n % (data.length * 8)), nonce, key), 'DECRYPT_FAILED');
        expectCode(() => aeadDecrypt(sealed.subarray(0, sealed.length - 1), data, nonce, key), 'DECRYPT_FAILED');
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a ciphertext shorter than its tag', () => {
    expectCode(() => aeadDecrypt(new Uint8Array(15), null, new Uint8Array(24), new Uint8Array(32)), 'DECRYPT_FAILED');
  });
});

describe('BLAKE2b (crypto_generichash) against OpenSSL', () => {
  it('gives the same 64-byte digest, whole or in pieces', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }), (parts) => {
        const expected = createHash('blake2b512').update(Buffer.concat(parts)).digest('hex');
        expect(hex(blake2b(64, parts))).toBe(expected);
      }),
    );
  });
});
