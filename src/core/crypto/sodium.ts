// Thin, typed wrappers over libsodium (sodium-native) used by every Node-side module.
// Nothing here re-implements a primitive; the wrappers only allocate outputs, keep
// secret keys in libsodium's guarded memory, and turn failures into AegeesErrors.
import sodium from 'sodium-native';
import { AegeesError } from '../../common/errors.js';

export const SIGN_PUBLIC_BYTES = sodium.crypto_sign_PUBLICKEYBYTES;
export const SIGN_SECRET_BYTES = sodium.crypto_sign_SECRETKEYBYTES;
export const SIGN_SEED_BYTES = sodium.crypto_sign_SEEDBYTES;
export const SIGNATURE_BYTES = sodium.crypto_sign_BYTES;
export const BOX_PUBLIC_BYTES = sodium.crypto_box_PUBLICKEYBYTES;
export const BOX_SECRET_BYTES = sodium.crypto_box_SECRETKEYBYTES;
export const SEAL_OVERHEAD_BYTES = sodium.crypto_box_SEALBYTES;
export const AEAD_KEY_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
export const AEAD_NONCE_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
export const AEAD_TAG_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES;
export const STREAM_KEY_BYTES = sodium.crypto_secretstream_xchacha20poly1305_KEYBYTES;
export const STREAM_HEADER_BYTES = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES;
export const STREAM_OVERHEAD_BYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES;
export const STREAM_TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
export const STREAM_TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL;

/** A buffer in libsodium's guarded heap (mlocked, guard pages); wipe it with `wipe`. */
export function secureBuffer(length: number): Buffer {
  return sodium.sodium_malloc(length) as Buffer;
}

export function wipe(...buffers: Array<Buffer | Uint8Array | undefined>): void {
  for (const buffer of buffers) if (buffer) sodium.sodium_memzero(buffer);
}

/**
 * Zeroes buffers and detaches guarded ones (they become empty), so libsodium gets their
 * memory back at the next turn of the event loop rather than whenever the garbage collector
 * finalises them: each guarded buffer maps pages of its own, and too many live ones exhaust
 * the process's mapping limit (sodium_malloc then fails and aborts the process).
 */
export function release(...buffers: Array<Buffer | Uint8Array | undefined>): void {
  for (const buffer of buffers) {
    if (!buffer) continue;
    sodium.sodium_memzero(buffer);
    sodium.sodium_free(buffer);
  }
}

export function randomBytes(length: number): Buffer {
  const out = Buffer.alloc(length);
  sodium.randombytes_buf(out);
  return out;
}

export function secureRandomBytes(length: number): Buffer {
  const out = secureBuffer(length);
  randomFill(out);
  return out;
}

export function randomFill(buffer: Uint8Array): void {
  sodium.randombytes_buf(buffer);
}

/** A Buffer over the same memory as `bytes` (no copy), for APIs that want a Buffer. */
export function bufferView(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Constant-time equality; false for different lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && sodium.sodium_memcmp(a, b);
}

/** BLAKE2b with an optional key; `outLength` between 16 and 64 bytes. */
export function blake2b(outLength: number, input: Uint8Array | readonly Uint8Array[], key?: Uint8Array): Buffer {
  const out = Buffer.alloc(outLength);
  // One call instead of four for a single input: hints are hashed once per recipient device.
  if (input instanceof Uint8Array) {
    sodium.crypto_generichash(out, input, key ?? null);
    return out;
  }
  const state = Buffer.alloc(sodium.crypto_generichash_STATEBYTES);
  sodium.crypto_generichash_init(state, key ?? null, outLength);
  for (const part of input) sodium.crypto_generichash_update(state, part);
  sodium.crypto_generichash_final(state, out);
  return out;
}

export interface SigningKeyPair {
  readonly publicKey: Buffer;
  /** 64 bytes (seed ‖ public key) in guarded memory. */
  readonly secretKey: Buffer;
}

export function signingKeyPair(seed?: Uint8Array): SigningKeyPair {
  const publicKey = Buffer.alloc(SIGN_PUBLIC_BYTES);
  const secretKey = secureBuffer(SIGN_SECRET_BYTES);
  if (seed) sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed);
  else sodium.crypto_sign_keypair(publicKey, secretKey);
  return { publicKey, secretKey };
}

export function sign(message: Uint8Array, secretKey: Uint8Array): Buffer {
  const signature = Buffer.alloc(SIGNATURE_BYTES);
  sodium.crypto_sign_detached(signature, message, secretKey);
  return signature;
}

export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== SIGN_PUBLIC_BYTES) return false;
  return sodium.crypto_sign_verify_detached(signature, message, publicKey);
}

export interface BoxKeyPair {
  readonly publicKey: Buffer;
  /** 32 bytes in guarded memory. */
  readonly secretKey: Buffer;
}

export function boxKeyPair(seed?: Uint8Array): BoxKeyPair {
  const publicKey = Buffer.alloc(BOX_PUBLIC_BYTES);
  const secretKey = secureBuffer(BOX_SECRET_BYTES);
  if (seed) sodium.crypto_box_seed_keypair(publicKey, secretKey, seed);
  else sodium.crypto_box_keypair(publicKey, secretKey);
  return { publicKey, secretKey };
}

/** X25519 scalar multiplication; throws on an all-zero (low-order) result. */
export function x25519(secretKey: Uint8Array, publicKey: Uint8Array): Buffer {
  const out = secureBuffer(sodium.crypto_scalarmult_BYTES);
  try {
    sodium.crypto_scalarmult(out, secretKey, publicKey);
  } catch (cause) {
    release(out);
    throw new AegeesError('DECRYPT_FAILED', 'X25519 produced a low-order result', { cause });
  }
  return out;
}

/** X25519 public key of a secret key (RFC 7748 base-point multiplication). */
export function x25519Base(secretKey: Uint8Array): Buffer {
  const out = Buffer.alloc(sodium.crypto_scalarmult_BYTES);
  sodium.crypto_scalarmult_base(out, secretKey);
  return out;
}

/** crypto_box_seal; INVALID_ARGUMENT for a public key of low order, which libsodium refuses. */
export function sealTo(message: Uint8Array, publicKey: Uint8Array): Buffer {
  if (publicKey.length !== BOX_PUBLIC_BYTES) throw new AegeesError('INVALID_ARGUMENT', 'not an X25519 public key');
  const out = Buffer.alloc(message.length + SEAL_OVERHEAD_BYTES);
  try {
    sodium.crypto_box_seal(out, message, publicKey);
  } catch (cause) {
    throw new AegeesError('INVALID_ARGUMENT', 'X25519 public key of low order', { cause });
  }
  return out;
}

/** Opens a sealed box into guarded memory, or returns undefined when it is not for this key. */
export function openSealed(sealed: Uint8Array, keyPair: BoxKeyPair): Buffer | undefined {
  if (sealed.length < SEAL_OVERHEAD_BYTES) return undefined;
  const out = secureBuffer(sealed.length - SEAL_OVERHEAD_BYTES);
  if (!openSealedInto(out, sealed, keyPair)) {
    release(out);
    return undefined;
  }
  return out;
}

/** Opens a sealed box into `out` (exactly the plaintext length); false when it does not open. */
export function openSealedInto(out: Uint8Array, sealed: Uint8Array, keyPair: BoxKeyPair): boolean {
  if (sealed.length !== out.length + SEAL_OVERHEAD_BYTES) return false;
  return sodium.crypto_box_seal_open(out, sealed, keyPair.publicKey, keyPair.secretKey);
}

/** crypto_secretstream_xchacha20poly1305 push side; the state lives in guarded memory. */
export function streamInitPush(key: Uint8Array): { state: Buffer; header: Buffer } {
  const state = secureBuffer(sodium.crypto_secretstream_xchacha20poly1305_STATEBYTES);
  const header = Buffer.alloc(STREAM_HEADER_BYTES);
  sodium.crypto_secretstream_xchacha20poly1305_init_push(state, header, key);
  return { state, header };
}

/** Encrypts one chunk into `out` (message length + STREAM_OVERHEAD_BYTES). */
export function streamPush(state: Uint8Array, out: Uint8Array, message: Uint8Array, tag: number): void {
  sodium.crypto_secretstream_xchacha20poly1305_push(state, out, message, null, tag);
}

export function streamInitPull(header: Uint8Array, key: Uint8Array): Buffer {
  const state = secureBuffer(sodium.crypto_secretstream_xchacha20poly1305_STATEBYTES);
  sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, header, key);
  return state;
}

/** Decrypts one chunk into `out` and returns its tag, or throws DECRYPT_FAILED. */
export function streamPull(state: Uint8Array, out: Uint8Array, chunk: Uint8Array): number {
  const tag = Buffer.alloc(1);
  if (chunk.length < STREAM_OVERHEAD_BYTES) throw new AegeesError('DECRYPT_FAILED', 'stream chunk shorter than its overhead');
  try {
    sodium.crypto_secretstream_xchacha20poly1305_pull(state, out, tag, chunk, null);
  } catch (cause) {
    throw new AegeesError('DECRYPT_FAILED', 'stream chunk failed authentication', { cause });
  }
  return tag[0]!;
}

export function aeadEncrypt(plaintext: Uint8Array, ad: Uint8Array | null, nonce: Uint8Array, key: Uint8Array): Buffer {
  const out = Buffer.alloc(plaintext.length + AEAD_TAG_BYTES);
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(out, plaintext, ad, null, nonce, key);
  return out;
}

/** Decrypts or throws DECRYPT_FAILED; the plaintext is a plain buffer (it is not key material). */
export function aeadDecrypt(ciphertext: Uint8Array, ad: Uint8Array | null, nonce: Uint8Array, key: Uint8Array): Buffer {
  if (ciphertext.length < AEAD_TAG_BYTES) throw new AegeesError('DECRYPT_FAILED', 'ciphertext shorter than its tag');
  const out = Buffer.alloc(ciphertext.length - AEAD_TAG_BYTES);
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(out, null, ciphertext, ad, nonce, key);
  } catch (cause) {
    throw new AegeesError('DECRYPT_FAILED', 'authentication failed', { cause });
  }
  return out;
}

export const PWHASH_SALT_BYTES = sodium.crypto_pwhash_SALTBYTES;

/** Argon2id cost parameters; `memlimit` in bytes. */
export interface PwhashLimits {
  readonly opslimit: number;
  readonly memlimit: number;
}

export const PWHASH_INTERACTIVE: PwhashLimits = {
  opslimit: sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE,
  memlimit: sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE,
};
export const PWHASH_MODERATE: PwhashLimits = {
  opslimit: sodium.crypto_pwhash_OPSLIMIT_MODERATE,
  memlimit: sodium.crypto_pwhash_MEMLIMIT_MODERATE,
};

/** Argon2id (v1.3) key derivation on libuv's thread pool, so the event loop keeps running. */
export async function argon2idKey(
  length: number, passphrase: Uint8Array, salt: Uint8Array, limits: PwhashLimits,
): Promise<Buffer> {
  const out = secureBuffer(length);
  try {
    await sodium.crypto_pwhash_async(
      out, passphrase, salt, limits.opslimit, limits.memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13,
    );
  } catch (cause) {
    wipe(out);
    throw cause;
  }
  return out;
}

/** As `aeadDecrypt`, but the plaintext is key material and goes to guarded memory. */
export function aeadDecryptSecure(ciphertext: Uint8Array, ad: Uint8Array | null, nonce: Uint8Array, key: Uint8Array): Buffer {
  if (ciphertext.length < AEAD_TAG_BYTES) throw new AegeesError('DECRYPT_FAILED', 'ciphertext shorter than its tag');
  const out = secureBuffer(ciphertext.length - AEAD_TAG_BYTES);
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(out, null, ciphertext, ad, nonce, key);
  } catch (cause) {
    wipe(out);
    throw new AegeesError('DECRYPT_FAILED', 'authentication failed', { cause });
  }
  return out;
}

/** Incremental BLAKE2b for data that arrives in pieces (streams); `digest` may be called once. */
export interface Blake2bHasher {
  update(part: Uint8Array): void;
  digest(): Buffer;
}

export function blake2bHasher(outLength: number, key?: Uint8Array): Blake2bHasher {
  const state = Buffer.alloc(sodium.crypto_generichash_STATEBYTES);
  sodium.crypto_generichash_init(state, key ?? null, outLength);
  return {
    update: (part) => sodium.crypto_generichash_update(state, part),
    digest: () => {
      const out = Buffer.alloc(outLength);
      sodium.crypto_generichash_final(state, out);
      return out;
    },
  };
}
