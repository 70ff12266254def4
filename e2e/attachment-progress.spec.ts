// Attachment progress in the real app: a relay proxy stops a large file part-way (after
// 256 KiB of its upload, then of its download), so the bars are seen in flight without
// racing the transfer; released, the file goes on and the bars go away.
import { expect, test } from '@playwright/test';
import type { RelayProcess } from '../test/support/relay-process.js';
import { World, conversation, createAccountInUi, exchangeInvites, messages, openConversation, screenshot, type Person } from './harness.js';
import { startStallProxy, type StallProxy } from './stall-proxy.js';

test.describe.configure({ mode: 'serial' });

const world = new World();
let proxy: StallProxy;
let alice: Person;
let bob: Person;

// Several times what the kernel buffers of a held connection take (stall-proxy.ts).
const FILE = Buffer.alloc(16 * 1024 * 1024, 7);

test.beforeAll(async ({ browser }) => {
  const [relay] = await world.startRelays(1);
  proxy = await startStallProxy(relay!.url);
  // Both know the relay only by the proxy's address; its signed answers pass unchanged.
  const behindProxy = { ...relay!, url: proxy.url } as RelayProcess;
  alice = await world.person(browser, 'Alice', [behindProxy]);
  bob = await world.person(browser, 'Bob', [behindProxy]);
  await createAccountInUi(alice);
  await createAccountInUi(bob);
  await exchangeInvites(alice, bob);
});

test.afterAll(async () => {
  proxy.release();
  await world.stop();
  await proxy.close();
});

test.afterEach(() => world.attachWarningsOnFailure());

async function sendFile(page: Person['page'], toName: string, text: string): Promise<void> {
  await page.getByLabel('Choose files to attach').setInputFiles({ name: 'archive.bin', mimeType: 'application/octet-stream', buffer: FILE });
  const box = page.getByLabel(`Message to ${toName}`);
  await box.fill(text);
  await box.press('Enter');
  // The file crosses from the page to the engine first; that alone can take a moment.
  await expect(box).toHaveValue('', { timeout: 30_000 });
}

test('the sender sees an upload bar while the file is on its way to the relay', async () => {
  await openConversation(alice, 'Bob');
  await openConversation(bob, 'Alice');
  proxy.holdUploads = true;
  await sendFile(alice.page, 'Bob', 'The whole archive');
  const sent = messages(alice.page, 'Bob').filter({ hasText: 'The whole archive' });
  const bar = sent.getByRole('progressbar', { name: 'Uploading archive.bin' });
  await expect(bar).toBeVisible();
  await expect.poll(() => proxy.stalled.uploads).toBeGreaterThan(0);
  const value = () => bar.evaluate((element) => (element as unknown as { value: number }).value);
  await expect.poll(value).toBeGreaterThan(0);
  // Held far from the end, and it stays there.
  expect(await value()).toBeLessThan(100);
  await expect(sent).toContainText('Queued');
  await screenshot(alice.page, 'attachment-upload');

  // Bob's copy will stop part-way too, once the relay has the file.
  proxy.holdDownloads = true;
  proxy.release('uploads');
  await expect(sent.getByRole('progressbar')).toHaveCount(0);
  await expect(sent).not.toContainText('Queued');
});

test('the recipient sees who is sending a file, and how far it got, until the message arrives', async () => {
  const indicator = conversation(bob.page, 'Alice').getByRole('status').filter({ hasText: 'Receiving a file from Alice' });
  await expect(indicator).toBeVisible();
  const bar = indicator.getByRole('progressbar', { name: 'Receiving a file from Alice…' });
  await expect.poll(() => proxy.stalled.downloads).toBeGreaterThan(0);
  await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
  expect(Number(await bar.getAttribute('aria-valuenow'))).toBeLessThan(100);
  await expect(messages(bob.page, 'Alice').filter({ hasText: 'The whole archive' })).toHaveCount(0);
  await screenshot(bob.page, 'attachment-download');

  proxy.release();
  const received = messages(bob.page, 'Alice').filter({ hasText: 'The whole archive' });
  await expect(received).toContainText('archive.bin');
  await expect(indicator).toHaveCount(0);
});
