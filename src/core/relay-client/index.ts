// The storage relay client (docs/PROTOCOL.md §7–8).
export { RelayClient, type Deposit, type DepositResult, type RelayClientOptions, type UploadResult } from './client.js';
export { RelayRequestError } from './errors.js';
export type { MailboxOptions, MailboxSession, PushedEnvelope } from './mailbox.js';
