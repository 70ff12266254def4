// Limits the API boundary enforces. They bound memory per call and keep one bad caller
// from making the key-holding process do unbounded work.
export const LIMITS = {
  displayNameChars: 64,
  inviteCodeChars: 16_384,
  relayUrlChars: 512,
  fileNameChars: 255,
  messageTextChars: 64_000,
  maxAttachmentsPerMessage: 10,
  /** Attachments sent through the API in one call; larger files need a streamed path. */
  maxInlineAttachmentBytes: 100 * 1024 * 1024,
  maxPageSize: 500,
  maxGroupMembers: 1_000,
  maxRedundancy: 5,
  minPassphraseChars: 8,
} as const;
