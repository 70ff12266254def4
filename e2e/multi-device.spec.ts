// A second device for Alice, linked through the UI with the one-time code; what either of
// her devices sends shows on the other (sent-message sync), Bob's replies reach both, and
// revoking the device is seen by Bob.
import { expect, test } from '@playwright/test';
import { World, befriend, conversation, goTo, messages, openConversation, screenshot, send, type Person } from './harness.js';

test.describe.configure({ mode: 'serial' });

const world = new World();
let alice: Person;
let laptop: Person;
let bob: Person;

test.beforeAll(async ({ browser }) => {
  const relays = await world.startRelays(2);
  alice = await world.person(browser, 'Alice', relays);
  bob = await world.person(browser, 'Bob', relays);
  laptop = await world.person(browser, 'Alice (laptop)', relays);
  await befriend(alice, bob);
});

test.afterAll(async () => {
  await world.stop();
});

test.afterEach(() => world.attachWarningsOnFailure());

test('a new device is linked with the code it shows', async () => {
  await laptop.page.getByRole('tab', { name: 'I already use Aegees' }).click();
  await laptop.page.getByLabel('A name for this device').fill('Laptop');
  await laptop.page.getByRole('button', { name: 'Get a link code' }).click();
  await expect(laptop.page.getByRole('heading', { name: 'Link this device' })).toBeVisible();
  const code = await laptop.page.getByLabel('One-time link code', { exact: true }).textContent();
  expect(code).toBeTruthy();
  await screenshot(laptop.page, 'linking');

  await goTo(alice.page, 'Devices');
  await alice.page.getByLabel('One-time code from the new device').fill(code!);
  await alice.page.getByRole('button', { name: 'Link device' }).click();
  await expect(alice.page.getByText('Laptop is now linked.')).toBeVisible();
  const list = alice.page.getByRole('region', { name: 'Your devices' });
  await expect(list.getByRole('listitem')).toHaveCount(2);
  await expect(list.getByRole('listitem').filter({ hasText: 'This device' })).toHaveCount(1);
  await screenshot(alice.page, 'devices-linked');

  // The new device opens as Alice's, with her contacts handed over.
  await expect(laptop.page.getByRole('navigation', { name: 'Sections' })).toBeVisible();
  await goTo(laptop.page, 'Settings');
  await expect(laptop.page.getByRole('region', { name: 'Account' })).toContainText('Alice');
  await expect(laptop.page.getByRole('region', { name: 'Account' })).toContainText('Laptop');
  await goTo(laptop.page, 'Contacts');
  await expect(laptop.page.getByRole('button', { name: 'Message Bob' })).toBeVisible();
  // Bob learns the new device list, so his messages are sealed to the laptop too.
  await goTo(bob.page, 'Contacts');
  await expect(bob.page.getByRole('region', { name: 'Your contacts' })).toContainText('2 devices');
});

test('what one device sends shows on the other; replies reach both', async () => {
  await openConversation(alice, 'Bob');
  await openConversation(laptop, 'Bob');
  await openConversation(bob, 'Alice');

  await send(alice.page, 'Bob', 'Written on my desktop');
  await expect(messages(bob.page, 'Alice').last()).toContainText('Written on my desktop');
  const synced = messages(laptop.page, 'Bob').last();
  await expect(synced).toContainText('Written on my desktop');
  await expect(synced).toHaveClass(/\bmine\b/);
  // The laptop made no relay copy of it itself; it still shows as sent, not as queued.
  await expect(synced.locator('.delivery')).toHaveText('Sent');

  await send(laptop.page, 'Bob', 'And this one on the laptop');
  await expect(messages(bob.page, 'Alice').last()).toContainText('And this one on the laptop');
  await expect(messages(alice.page, 'Bob').last()).toContainText('And this one on the laptop');
  await expect(messages(alice.page, 'Bob').last()).toHaveClass(/\bmine\b/);

  await send(bob.page, 'Alice', 'Got both of them');
  for (const device of [alice, laptop]) await expect(messages(device.page, 'Bob').last()).toContainText('Got both of them');
  await screenshot(laptop.page, 'conversation-synced');
  await expect(conversation(laptop.page, 'Bob')).toBeVisible();
});

test('revoking the device takes it off the list Bob seals to', async () => {
  await goTo(alice.page, 'Devices');
  await alice.page.getByRole('button', { name: 'Revoke Laptop' }).click();
  await alice.page.getByRole('dialog', { name: 'Revoke Laptop?' }).getByRole('button', { name: 'Revoke device' }).click();
  await expect(alice.page.getByRole('region', { name: 'Your devices' }).getByRole('listitem')).toHaveCount(1);
  await goTo(bob.page, 'Contacts');
  await expect(bob.page.getByRole('region', { name: 'Your contacts' })).toContainText('1 device');
});
