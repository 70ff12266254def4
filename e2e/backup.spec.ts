// Backup through the UI: Alice exports her profile with a passphrase, her computer is
// gone, and a fresh app restores the file from the first-run screen — history, files,
// contacts and keys — and goes on receiving Bob's messages.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { gradientPng } from './files.js';
import { World, befriend, goTo, messages, openConversation, screenshot, send, type Person } from './harness.js';

test.describe.configure({ mode: 'serial' });

const PASSPHRASE = 'correct horse battery staple';
const world = new World();
let alice: Person;
let bob: Person;
let backupFile: string;

test.beforeAll(async ({ browser }) => {
  const relays = await world.startRelays(2);
  alice = await world.person(browser, 'Alice', relays);
  bob = await world.person(browser, 'Bob', relays);
  backupFile = join(world.folder('backups'), 'alice.aegb');
  await befriend(alice, bob);
  await openConversation(alice, 'Bob');
  await openConversation(bob, 'Alice');
  await send(alice.page, 'Bob', 'Before the backup');
  await bob.page.getByLabel('Choose files to attach').setInputFiles({ name: 'map.png', mimeType: 'image/png', buffer: gradientPng(120, 80) });
  await send(bob.page, 'Alice', 'Here is the map');
  await expect(messages(alice.page, 'Bob').last().getByRole('img', { name: 'map.png' })).toBeVisible();
});

test.afterAll(async () => {
  await world.stop();
});

test.afterEach(() => world.attachWarningsOnFailure());

test('Alice exports a backup with a passphrase', async () => {
  await goTo(alice.page, 'Backup');
  const form = alice.page.getByRole('region', { name: 'Export a backup' });
  await form.getByLabel('Save the backup file to').fill('relative/path.aegb');
  await form.getByLabel('Passphrase (at least 8 characters)').fill(PASSPHRASE);
  await form.getByLabel('Repeat the passphrase').fill(PASSPHRASE);
  await form.getByRole('button', { name: 'Export backup' }).click();
  await expect(form.getByRole('alert')).toContainText('full path');

  await form.getByLabel('Save the backup file to').fill(backupFile);
  await form.getByLabel('Passphrase (at least 8 characters)').fill(PASSPHRASE);
  await form.getByLabel('Repeat the passphrase').fill(PASSPHRASE);
  await form.getByRole('button', { name: 'Export backup' }).click();
  await expect(form.getByRole('status')).toContainText(`Backup written to ${backupFile}`);
  expect(existsSync(backupFile)).toBe(true);

  // The same name again would replace the file: refused.
  await form.getByLabel('Passphrase (at least 8 characters)').fill(PASSPHRASE);
  await form.getByLabel('Repeat the passphrase').fill(PASSPHRASE);
  await form.getByRole('button', { name: 'Export backup' }).click();
  await expect(form.getByRole('alert')).toContainText('already exists');
});

test('a fresh app restores it from the first-run screen and carries on', async ({ browser }) => {
  await world.retire(alice);
  const restored = await world.person(browser, 'Alice', world.relays);
  const { page } = restored;
  await page.getByRole('tab', { name: 'Restore a backup' }).click();
  await page.getByLabel('Backup file (full path on this computer)').fill(backupFile);
  await page.getByLabel('Passphrase (at least 8 characters)').fill('not the passphrase');
  await page.getByRole('button', { name: 'Restore backup' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Welcome to Aegees' })).toBeVisible();
  await screenshot(page, 'restore-wrong-passphrase');

  await page.getByLabel('Passphrase (at least 8 characters)').fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Restore backup' }).click();
  await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible();

  await goTo(page, 'Settings');
  await expect(page.getByRole('region', { name: 'Account' })).toContainText('Alice');
  await openConversation(restored, 'Bob');
  await expect(messages(page, 'Bob').first()).toContainText('Before the backup');
  await expect(messages(page, 'Bob').last().getByRole('img', { name: 'map.png' })).toBeVisible();

  await send(bob.page, 'Alice', 'Welcome back');
  await expect(messages(page, 'Bob').last()).toContainText('Welcome back');
  await send(page, 'Bob', 'Restored and reading');
  await expect(messages(bob.page, 'Alice').last()).toContainText('Restored and reading');
  await screenshot(page, 'restored');
});
