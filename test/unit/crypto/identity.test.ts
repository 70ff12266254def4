import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACCOUNT_SECRET_BYTES,
  DEVICE_SECRET_BYTES,
  deviceIdOf,
  exportAccountSecret,
  exportDeviceSecrets,
  generateAccount,
  generateDevice,
  importAccountSecret,
  importDeviceSecrets,
  safetyNumber,
} from '../../../src/core/crypto/identity.js';
import { sign, verify } from '../../../src/core/crypto/sodium.js';
import { expectCode } from './helpers.js';

describe('account identity', () => {
  it('is its Ed25519 public key, and survives export and import', () => {
    const account = generateAccount();
    const secret = exportAccountSecret(account);
    expect(secret).toHaveLength(ACCOUNT_SECRET_BYTES);
    const restored = importAccountSecret(secret);
    expect(restored.accountId.equals(account.accountId)).toBe(true);
    expect(verify(sign(Buffer.from('m'), restored.signing.secretKey), Buffer.from('m'), account.accountId)).toBe(true);
  });

  it('frees its secret key on dispose', () => {
    const account = generateAccount();
    const view = new Uint8Array(account.signing.secretKey.buffer);
    account.dispose();
    expect(account.signing.secretKey).toHaveLength(0);
    expect(view).toHaveLength(0);
  });

  it('rejects a secret of the wrong size or format', () => {
    expectCode(() => importAccountSecret(new Uint8Array(ACCOUNT_SECRET_BYTES - 1)), 'MALFORMED');
    const secret = new Uint8Array(exportAccountSecret(generateAccount()));
    secret[0] = 9;
    expectCode(() => importAccountSecret(secret), 'UNSUPPORTED_VERSION');
  });
});

describe('device keys', () => {
  it('survive export and import with the same ids and keys', () => {
    const device = generateDevice();
    const restored = importDeviceSecrets(exportDeviceSecrets(device));
    expect(restored.deviceId.equals(device.deviceId)).toBe(true);
    expect(restored.signing.publicKey.equals(device.signing.publicKey)).toBe(true);
    expect(restored.encryption.publicKey.equals(device.encryption.publicKey)).toBe(true);
    expect(restored.mailboxRootSecret.equals(device.mailboxRootSecret)).toBe(true);
  });

  it('derive the device id from the signing key alone', () => {
    const device = generateDevice();
    expect(deviceIdOf(device.signing.publicKey).equals(device.deviceId)).toBe(true);
    expect(generateDevice().deviceId.equals(device.deviceId)).toBe(false);
  });

  it('free every secret on dispose', () => {
    const device = generateDevice();
    device.dispose();
    for (const secret of [device.signing.secretKey, device.encryption.secretKey, device.mailboxRootSecret]) {
      expect(secret).toHaveLength(0);
    }
  });

  it('reject malformed secrets with typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2 * DEVICE_SECRET_BYTES }), (bytes) => {
        try {
          importDeviceSecrets(bytes);
          return bytes.length === DEVICE_SECRET_BYTES && bytes[0] === 1;
        } catch (error) {
          return ['MALFORMED', 'UNSUPPORTED_VERSION'].includes((error as { code?: string }).code ?? '');
        }
      }),
    );
  });
});

describe('safety number', () => {
  const a = generateAccount().accountId;
  const b = generateAccount().accountId;

  it('is 60 digits and the same from either side', () => {
    const number = safetyNumber(a, b);
    expect(number).toMatch(/^\d{60}$/);
    expect(safetyNumber(b, a)).toBe(number);
  });

  it('changes when either identity key changes', () => {
    const c = generateAccount().accountId;
    expect(safetyNumber(a, c)).not.toBe(safetyNumber(a, b));
    expect(safetyNumber(c, b)).not.toBe(safetyNumber(a, b));
  });

  it('is order-independent for any pair of keys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (x, y) =>
        safetyNumber(x, y) === safetyNumber(y, x),
      ),
    );
  });

  it('rejects something that is not an account id', () => {
    expectCode(() => safetyNumber(a, new Uint8Array(31)), 'INVALID_ARGUMENT');
  });
});
