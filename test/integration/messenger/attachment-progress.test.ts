// Attachment progress over real relays: the sender's upload and the recipient's download of
// a 16 MiB file are reported as throttled byte counts (the contract's `progress` event as
// the engine emits it), each ending at the file's encrypted size before the message moves
// on: stored for the sender, shown for the recipient.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../src/common/api/contract.js';
import { ATTACHMENT_CHUNK_BYTES } from '../../../src/common/protocol/limits.js';
import { attachmentCiphertextSize } from '../../../src/core/crypto/attachment.js';
import { hex } from '../../../src/core/messenger/directory.js';
import { World, befriend, waitFor, type Profile } from './harness.js';

type Report = EventPayload<'progress'>;
type Seen = { kind: 'progress'; report: Report } | { kind: 'message'; event: 'messageAdded' | 'messageUpdated'; id: string; stored: boolean };

const world = new World();
let alice: Profile;
let bob: Profile;
const aliceSaw: Seen[] = [];
const bobSaw: Seen[] = [];

function record(profile: Profile, into: Seen[]): void {
  profile.messenger.on('transferProgress', (report) => into.push({ kind: 'progress', report }));
  for (const event of ['messageAdded', 'messageUpdated'] as const) {
    profile.messenger.on(event, (view) => into.push({ kind: 'message', event, id: hex(view.id), stored: view.storedOn.length > 0 }));
  }
}

function reportsOf(seen: readonly Seen[], operation: Report['operation'], id: string): Report[] {
  return seen.flatMap((entry) => (entry.kind === 'progress' && entry.report.operation === operation && entry.report.id === id ? [entry.report] : []));
}

/** The checks both directions share: whole-percent steps up to the encrypted size, and far fewer reports than chunks. */
function expectThrottledToEnd(reports: readonly Report[], total: number, chunks: number): void {
  expect(reports.length).toBeGreaterThan(1);
  for (const report of reports) expect(report.total).toBe(total);
  expect(reports.at(-1)!.done).toBe(total);
  const percents = reports.map((report) => Math.floor((report.done * 100) / report.total));
  for (let i = 1; i < reports.length; i++) {
    expect(reports[i]!.done).toBeGreaterThan(reports[i - 1]!.done);
    // Throttled: a report only when a further whole percent is done.
    expect(percents[i]!).toBeGreaterThan(percents[i - 1]!);
  }
  expect(reports.length).toBeLessThanOrEqual(101);
  expect(reports.length * 2).toBeLessThan(chunks);
}

beforeAll(async () => {
  await world.start(2);
  alice = await world.profile('Alice', [0]);
  bob = await world.profile('Bob', [1]);
  await befriend(alice, bob);
  record(alice, aliceSaw);
  record(bob, bobSaw);
});

afterAll(() => world.stop());

describe('attachment progress', () => {
  it('reports upload and download bytes of a 16 MiB file, throttled, up to its encrypted size, before the message is stored and shown', async () => {
    const conversation = alice.messenger.openDirectConversation(bob.messenger.accountId);
    const file = randomBytes(16 * 1024 * 1024);
    const total = attachmentCiphertextSize(file.length);
    const chunks = Math.ceil(file.length / ATTACHMENT_CHUNK_BYTES);
    const sent = await alice.messenger.sendMessage(conversation.id, {
      text: 'the survey data',
      files: [{ source: file, name: 'survey.bin', mime: 'application/octet-stream' }],
    });
    const messageId = hex(sent.id);
    const attachmentId = String(sent.attachments[0]!.id);

    await waitFor(() => bob.messenger.history(conversation.id, { limit: 10 }).messages.some((m) => m.id.equals(sent.id)), 'Bob to receive the file');
    await waitFor(() => alice.messenger.message(sent.id).storedOn.length > 0 || undefined, 'a relay to store the message');

    // Sender: by the attachment's contract id, ending before the messageUpdated that says it is stored.
    const uploads = reportsOf(aliceSaw, 'attachment-upload', attachmentId);
    expectThrottledToEnd(uploads, total, chunks);
    const lastUpload = aliceSaw.findIndex((entry) => entry.kind === 'progress' && entry.report === uploads.at(-1));
    const stored = aliceSaw.findIndex((entry) => entry.kind === 'message' && entry.event === 'messageUpdated' && entry.id === messageId && entry.stored);
    expect(stored).toBeGreaterThan(lastUpload);
    expect(reportsOf(aliceSaw, 'attachment-download', `${hex(conversation.id)}:${hex(alice.messenger.accountId)}:${messageId}`)).toEqual([]);

    // Recipient: by conversation, sender and message, ending before the message is added.
    const downloadId = `${hex(conversation.id)}:${hex(alice.messenger.accountId)}:${messageId}`;
    const downloads = reportsOf(bobSaw, 'attachment-download', downloadId);
    expectThrottledToEnd(downloads, total, chunks);
    const lastDownload = bobSaw.findIndex((entry) => entry.kind === 'progress' && entry.report === downloads.at(-1));
    const added = bobSaw.findIndex((entry) => entry.kind === 'message' && entry.event === 'messageAdded' && entry.id === messageId);
    expect(added).toBeGreaterThan(lastDownload);
    expect(bobSaw.filter((entry) => entry.kind === 'progress' && entry.report.operation === 'attachment-upload')).toEqual([]);
  });
});
