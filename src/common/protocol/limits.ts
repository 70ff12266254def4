// Size limits of the version-1 wire formats (docs/PROTOCOL.md). Decoders enforce them before
// allocating or decrypting anything, so a hostile peer or relay cannot make a client do
// unbounded work. Changing one changes the protocol: peers would reject each other's data.

/** Key slots (recipient devices) in one envelope. */
export const MAX_RECIPIENTS = 4096;
/** Opaque message body inside the header block. */
export const MAX_BODY_BYTES = 512 * 1024;
export const MAX_ATTACHMENTS = 32;
/** Relays one attachment blob is stored on. */
export const MAX_ATTACHMENT_RELAYS = 8;
/** Plaintext size of one attachment (1 TiB). */
export const MAX_ATTACHMENT_BYTES = 2 ** 40;
export const MAX_URL_BYTES = 512;
export const MAX_MIME_BYTES = 255;
export const MAX_FILE_NAME_BYTES = 1024;
/** Encoded header block, before the signature and encryption. */
export const MAX_HEADER_BYTES = 1024 * 1024;

/** Devices in one account's device list. */
export const MAX_DEVICES = 32;
/** Inbox relays in one account's device list. */
export const MAX_INBOX_RELAYS = 8;
export const MAX_DEVICE_LABEL_BYTES = 64;

/** Plaintext bytes per attachment stream chunk; every chunk but the last is exactly this. */
export const ATTACHMENT_CHUNK_BYTES = 64 * 1024;
