// The server picker: the relay chosen in a conversation's header is where the next message
// is stored (read from that relay's own SQLite file), and when that relay dies the backup
// copy on another relay still delivers, while the UI shows the relay as down.
import { expect, test } from '@playwright/test';
import type { RelayProcess } from '../test/support/relay-process.js';
import { World, befriend, conversation, goTo, messages, openConversation, relayMessageIds, screenshot, send, type Person } from './harness.js';

test.describe.configure({ mode: 'serial' });

const world = new World();
let alice: Person;
let bob: Person;
let chosen: RelayProcess;
let others: RelayProcess[];

test.beforeAll(async ({ browser }) => {
  const relays = await world.startRelays(3);
  others = relays.slice(0, 2);
  chosen = relays[2]!;
  // Only Bob listens on the chosen relay, so everything Alice's app deposits there is for
  // Bob, and nothing Bob sends back (receipts) lands there.
  alice = await world.person(browser, 'Alice', others, [chosen]);
  bob = await world.person(browser, 'Bob', relays);
  await befriend(alice, bob);
});

test.afterAll(async () => {
  await world.stop();
});

test.afterEach(() => world.attachWarningsOnFailure());

test('the relay picked for a conversation stores its next message, with a backup copy elsewhere', async () => {
  await openConversation(alice, 'Bob');
  await openConversation(bob, 'Alice');
  const picker = conversation(alice.page, 'Bob').getByLabel('Send through');
  await expect(picker.locator('option', { hasText: `127.0.0.1:${chosen.port} — connected` })).toHaveCount(1);
  await picker.selectOption(chosen.url);
  await expect(picker).toHaveValue(chosen.url);
  await screenshot(alice.page, 'server-picker');

  const before = relayMessageIds(chosen);
  await send(alice.page, 'Bob', 'Through the relay I picked');
  await expect(messages(bob.page, 'Alice').last()).toContainText('Through the relay I picked');

  // Bob may have read it from the backup copy before the chosen relay answered Alice.
  const newOnChosen = () => [...relayMessageIds(chosen)].filter((id) => !before.has(id));
  await expect.poll(newOnChosen).toHaveLength(1);
  const [msgId] = newOnChosen();
  const holders = () => others.filter((relay) => relayMessageIds(relay).has(msgId!));
  await expect.poll(() => holders().length).toBe(1);
  const backups = holders();

  await messages(alice.page, 'Bob').last().getByRole('button', { name: 'Message details' }).click();
  const details = alice.page.getByRole('dialog', { name: 'Message details' });
  await expect(details.getByRole('listitem').filter({ hasText: `127.0.0.1:${chosen.port}` })).toHaveCount(1);
  await expect(details.getByRole('listitem').filter({ hasText: `127.0.0.1:${backups[0]!.port}` })).toHaveCount(1);
  await details.getByRole('button', { name: 'Close' }).click();
});

test('with the picked relay killed, the backup copy still delivers and the UI shows the relay down', async () => {
  await chosen.kill();
  await send(alice.page, 'Bob', 'Sent after my relay died');
  await expect(messages(bob.page, 'Alice').last()).toContainText('Sent after my relay died');

  const picker = conversation(alice.page, 'Bob').getByLabel('Send through');
  await expect(picker.locator('option', { hasText: `127.0.0.1:${chosen.port} — down` })).toHaveCount(1);
  await goTo(alice.page, 'Servers');
  const row = alice.page.getByRole('row').filter({ hasText: `127.0.0.1:${chosen.port}` });
  await expect(row).toContainText('Down');
  await screenshot(alice.page, 'servers-relay-down');
});
