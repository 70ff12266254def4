// Two people, two app instances, two real relays: onboarding, invite codes, chat both
// ways, a file and an image, unread counts and search — all through the UI, with the
// real engine, real relay processes and keys in the Secret Service.
import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { gradientPng } from './files.js';
import {
  World,
  conversation,
  createAccountInUi,
  exchangeInvites,
  goTo,
  messages,
  openConversation,
  screenshot,
  send,
  type Person,
} from './harness.js';

test.describe.configure({ mode: 'serial' });

const world = new World();
let alice: Person;
let bob: Person;

test.beforeAll(async ({ browser }) => {
  const relays = await world.startRelays(2);
  alice = await world.person(browser, 'Alice', relays);
  bob = await world.person(browser, 'Bob', relays);
});

test.afterAll(async () => {
  await world.stop();
});

test.afterEach(() => world.attachWarningsOnFailure());

test('each person creates an account and they exchange invite codes', async () => {
  await screenshot(alice.page, 'onboarding');
  await createAccountInUi(alice);
  await createAccountInUi(bob);
  await exchangeInvites(alice, bob);
  // The whole invite code shows, with no scrolling inside its box.
  const code = alice.page.getByLabel('Invite code', { exact: true });
  await expect(code).toBeVisible();
  const hidden = `(() => { const code = document.querySelector('output[aria-label="Invite code"]'); return code.scrollHeight - code.clientHeight; })()`;
  expect(await alice.page.evaluate(hidden)).toBe(0);
  await screenshot(alice.page, 'contacts');
  await expect(bob.page.getByRole('region', { name: 'Your contacts' })).toContainText('1 device');
});

test('they write to each other; unread counts follow what each has read', async () => {
  await openConversation(alice, 'Bob');
  await goTo(bob.page, 'Chats');
  await send(alice.page, 'Bob', 'Hello Bob, this is Alice.');
  await send(alice.page, 'Bob', 'Are you there?');

  // Bob has not opened the conversation yet: both messages count as unread.
  const item = bob.page.getByRole('button', { name: /^Alice, 2 unread/ });
  await expect(item).toBeVisible();
  await expect(item.locator('.badge')).toHaveText('2');
  await screenshot(bob.page, 'chats-unread');

  await item.click();
  await expect(messages(bob.page, 'Alice')).toHaveCount(2);
  await expect(messages(bob.page, 'Alice').last()).toContainText('Are you there?');
  await expect(bob.page.getByRole('button', { name: /^Alice, You: |^Alice, Are you there\?/ })).toBeVisible();
  await expect(bob.page.getByRole('button', { name: /unread/ })).toHaveCount(0);

  // Bob's read receipt travels back through the relays.
  await expect(messages(alice.page, 'Bob').last()).toContainText('Read');

  await send(bob.page, 'Alice', 'Yes, hello Alice! Pineapple pizza tonight?');
  await expect(messages(alice.page, 'Bob').last()).toContainText('Pineapple pizza tonight?');
  await expect(messages(alice.page, 'Bob')).toHaveCount(3);
});

test('a file and an image make the round trip; the image shows inline', async () => {
  const text = Buffer.from('Meeting notes\nline two — with ünïcödé\n');
  await alice.page.getByLabel('Choose files to attach').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: text });
  await expect(alice.page.getByRole('list', { name: 'Files to send' })).toContainText('notes.txt');
  await send(alice.page, 'Bob', 'The notes from today');

  const received = messages(bob.page, 'Alice').last();
  await expect(received).toContainText('The notes from today');
  await expect(received).toContainText('notes.txt');
  const download = bob.page.waitForEvent('download');
  await received.getByRole('button', { name: 'Save notes.txt' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('notes.txt');
  expect(await readFile((await file.path())!)).toEqual(text);

  const png = gradientPng(480, 320);
  await bob.page.getByLabel('Choose files to attach').setInputFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: png });
  await send(bob.page, 'Alice', 'A picture');

  const picture = messages(alice.page, 'Bob').last().getByRole('img', { name: 'sunset.png' });
  await expect(picture).toBeVisible();
  // Decoded by the page from the bytes that crossed two relays: the size is the PNG's own.
  await expect.poll(() => picture.evaluate((img) => { const image = img as unknown as { naturalWidth: number; naturalHeight: number }; return `${image.naturalWidth}x${image.naturalHeight}`; })).toBe('480x320');
  await screenshot(alice.page, 'conversation');

  await alice.page.getByRole('button', { name: 'View sunset.png full size' }).click();
  await expect(alice.page.getByRole('dialog', { name: 'sunset.png' })).toBeVisible();
  await screenshot(alice.page, 'image-full-size');
  await alice.page.getByRole('dialog', { name: 'sunset.png' }).getByRole('button', { name: 'Close' }).click();

  await messages(alice.page, 'Bob').first().getByRole('button', { name: 'Message details' }).click();
  const details = alice.page.getByRole('dialog', { name: 'Message details' });
  await expect(details).toContainText('read');
  await screenshot(alice.page, 'message-details');
  await details.getByRole('button', { name: 'Close' }).click();
});

test('search finds a message in the history and opens it', async () => {
  await goTo(alice.page, 'Contacts');
  await goTo(alice.page, 'Chats');
  await alice.page.getByLabel('Search all messages').fill('pinea');
  const hit = alice.page.getByRole('button', { name: /Bob/ }).filter({ hasText: 'Pineapple' });
  await expect(alice.page.getByText('1 message found')).toBeVisible();
  await expect(hit.locator('mark')).toHaveText('Pineapple');
  await screenshot(alice.page, 'search');
  await hit.click();
  await expect(conversation(alice.page, 'Bob')).toBeVisible();
  await expect(alice.page.locator('article.highlighted')).toContainText('Pineapple pizza tonight?');

  await alice.page.getByLabel('Search all messages').fill('nothing like this');
  await expect(alice.page.getByText('No messages match.')).toBeVisible();
});

test('the other main screens render', async () => {
  for (const section of ['Servers', 'Devices', 'Backup', 'Settings'] as const) {
    await goTo(alice.page, section);
    await expect(alice.page.getByRole('heading', { level: 1, name: section })).toBeVisible();
    await screenshot(alice.page, section.toLowerCase());
  }
  await goTo(alice.page, 'Contacts');
  await alice.page.getByRole('button', { name: 'Safety number for Bob' }).click();
  const dialog = alice.page.getByRole('dialog', { name: 'Safety number with Bob' });
  await expect(dialog.getByRole('group', { name: 'Safety number' })).toBeVisible();
  await screenshot(alice.page, 'safety-number');
  await dialog.getByRole('button', { name: 'Mark as verified' }).click();
  await expect(dialog).toContainText('You marked this contact as verified.');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(alice.page.getByRole('region', { name: 'Your contacts' })).toContainText('Verified');
});
