// Declarations for the parts of sodium-native this project uses. The published
// @types/sodium-native describes an older API (Buffer-only, no generichash streaming),
// so the project keeps its own, checked against sodium-native's binding.
declare module 'sodium-native' {
  type Bytes = Uint8Array;

  const sodium: {
    sodium_malloc(size: number): Buffer;
    /** Frees a sodium_malloc buffer (zeroing it) and detaches it; a no-op for other buffers. */
    sodium_free(buffer: Bytes): void;
    sodium_memzero(buffer: Bytes): void;
    sodium_memcmp(a: Bytes, b: Bytes): boolean;
    sodium_mlock(buffer: Bytes): void;
    randombytes_buf(buffer: Bytes): void;

    crypto_generichash_BYTES: number;
    crypto_generichash_STATEBYTES: number;
    crypto_generichash(out: Bytes, input: Bytes, key?: Bytes | null): void;
    crypto_generichash_init(state: Bytes, key: Bytes | null, outLength: number): void;
    crypto_generichash_update(state: Bytes, input: Bytes): void;
    crypto_generichash_final(state: Bytes, out: Bytes): void;

    crypto_hash_sha256_BYTES: number;
    crypto_hash_sha256(out: Bytes, input: Bytes): void;

    crypto_sign_PUBLICKEYBYTES: number;
    crypto_sign_SECRETKEYBYTES: number;
    crypto_sign_SEEDBYTES: number;
    crypto_sign_BYTES: number;
    crypto_sign_keypair(publicKey: Bytes, secretKey: Bytes): void;
    crypto_sign_seed_keypair(publicKey: Bytes, secretKey: Bytes, seed: Bytes): void;
    crypto_sign_detached(signature: Bytes, message: Bytes, secretKey: Bytes): void;
    crypto_sign_verify_detached(signature: Bytes, message: Bytes, publicKey: Bytes): boolean;
    crypto_sign_ed25519_pk_to_curve25519(x25519Public: Bytes, ed25519Public: Bytes): void;
    crypto_sign_ed25519_sk_to_curve25519(x25519Secret: Bytes, ed25519Secret: Bytes): void;

    crypto_box_PUBLICKEYBYTES: number;
    crypto_box_SECRETKEYBYTES: number;
    crypto_box_SEEDBYTES: number;
    crypto_box_SEALBYTES: number;
    crypto_box_keypair(publicKey: Bytes, secretKey: Bytes): void;
    crypto_box_seed_keypair(publicKey: Bytes, secretKey: Bytes, seed: Bytes): void;
    crypto_box_NONCEBYTES: number;
    crypto_box_MACBYTES: number;
    crypto_box_easy(ciphertext: Bytes, message: Bytes, nonce: Bytes, publicKey: Bytes, secretKey: Bytes): void;
    crypto_box_seal(out: Bytes, message: Bytes, publicKey: Bytes): void;
    crypto_box_seal_open(out: Bytes, sealed: Bytes, publicKey: Bytes, secretKey: Bytes): boolean;

    crypto_scalarmult_BYTES: number;
    crypto_scalarmult_SCALARBYTES: number;
    crypto_scalarmult(out: Bytes, secretKey: Bytes, publicKey: Bytes): void;
    crypto_scalarmult_base(out: Bytes, secretKey: Bytes): void;

    crypto_aead_xchacha20poly1305_ietf_KEYBYTES: number;
    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES: number;
    crypto_aead_xchacha20poly1305_ietf_ABYTES: number;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
      ciphertext: Bytes, message: Bytes, ad: Bytes | null, nsec: null, nonce: Bytes, key: Bytes,
    ): number;
    crypto_aead_xchacha20poly1305_ietf_decrypt(
      message: Bytes, nsec: null, ciphertext: Bytes, ad: Bytes | null, nonce: Bytes, key: Bytes,
    ): number;

    crypto_secretstream_xchacha20poly1305_STATEBYTES: number;
    crypto_secretstream_xchacha20poly1305_ABYTES: number;
    crypto_secretstream_xchacha20poly1305_HEADERBYTES: number;
    crypto_secretstream_xchacha20poly1305_KEYBYTES: number;
    crypto_secretstream_xchacha20poly1305_TAG_MESSAGE: number;
    crypto_secretstream_xchacha20poly1305_TAG_PUSH: number;
    crypto_secretstream_xchacha20poly1305_TAG_REKEY: number;
    crypto_secretstream_xchacha20poly1305_TAG_FINAL: number;
    crypto_secretstream_xchacha20poly1305_keygen(key: Bytes): void;
    crypto_secretstream_xchacha20poly1305_init_push(state: Bytes, header: Bytes, key: Bytes): void;
    crypto_secretstream_xchacha20poly1305_init_pull(state: Bytes, header: Bytes, key: Bytes): void;
    crypto_secretstream_xchacha20poly1305_push(
      state: Bytes, ciphertext: Bytes, message: Bytes, ad: Bytes | null, tag: number,
    ): number;
    crypto_secretstream_xchacha20poly1305_pull(
      state: Bytes, message: Bytes, tag: Bytes, ciphertext: Bytes, ad: Bytes | null,
    ): number;

    crypto_pwhash_SALTBYTES: number;
    crypto_pwhash_OPSLIMIT_INTERACTIVE: number;
    crypto_pwhash_MEMLIMIT_INTERACTIVE: number;
    crypto_pwhash_OPSLIMIT_MODERATE: number;
    crypto_pwhash_MEMLIMIT_MODERATE: number;
    crypto_pwhash_OPSLIMIT_SENSITIVE: number;
    crypto_pwhash_MEMLIMIT_SENSITIVE: number;
    crypto_pwhash_ALG_ARGON2ID13: number;
    crypto_pwhash(
      out: Bytes, password: Bytes, salt: Bytes, opslimit: number, memlimit: number, algorithm: number,
    ): void;
    crypto_pwhash_async(
      out: Bytes, password: Bytes, salt: Bytes, opslimit: number, memlimit: number, algorithm: number,
      callback: (error: Error | null) => void,
    ): void;
    crypto_pwhash_async(
      out: Bytes, password: Bytes, salt: Bytes, opslimit: number, memlimit: number, algorithm: number,
    ): Promise<void>;
  };
  export default sodium;
}
