// Three people, three app instances, one real relay: a group made in the UI, messages
// that show who wrote them, a member added and one removed — through the UI, with the real
// engine, a real relay process and keys in the Secret Service.
import { expect, test, type Page } from '@playwright/test';
import { World, conversation, createAccountInUi, exchangeInvites, goTo, messages, screenshot, send, type Person } from './harness.js';

test.describe.configure({ mode: 'serial' });

const GROUP = 'Climbing';
const world = new World();
let alice: Person;
let bob: Person;
let carol: Person;

test.beforeAll(async ({ browser }) => {
  const relays = await world.startRelays(1);
  alice = await world.person(browser, 'Alice', relays);
  bob = await world.person(browser, 'Bob', relays);
  carol = await world.person(browser, 'Carol', relays);
});

test.afterAll(async () => {
  await world.stop();
});

test.afterEach(() => world.attachWarningsOnFailure());

/** Opens the group from the conversation list once it has arrived. */
async function openGroup(page: Page): Promise<void> {
  await goTo(page, 'Chats');
  await page.getByRole('button', { name: new RegExp(`^${GROUP}`) }).click();
  await expect(conversation(page, GROUP)).toBeVisible();
}

/** The message with `text`, labelled with its sender's name as the reader sees it. */
function messageFrom(page: Page, sender: string, text: string) {
  return messages(page, GROUP).filter({ hasText: text }).and(page.getByRole('article', { name: new RegExp(`^${escapeRegExp(sender)}, `) }));
}

async function members(page: Page) {
  await conversation(page, GROUP).getByRole('button', { name: /members?$/ }).click();
  const dialog = page.getByRole('dialog', { name: `Members of ${GROUP}` });
  await expect(dialog).toBeVisible();
  return dialog;
}

test('Alice makes a group with Bob; each sees who wrote what', async () => {
  for (const person of [alice, bob, carol]) await createAccountInUi(person);
  await exchangeInvites(alice, bob);
  await exchangeInvites(alice, carol);

  await goTo(alice.page, 'Chats');
  await alice.page.getByRole('button', { name: 'New group' }).click();
  const dialog = alice.page.getByRole('dialog', { name: 'New group' });
  await dialog.getByLabel('Group name').fill(GROUP);
  // Only accepted contacts are offered.
  await expect(dialog.getByRole('checkbox')).toHaveCount(2);
  await dialog.getByRole('checkbox', { name: 'Bob' }).check();
  await screenshot(alice.page, 'new-group');
  await dialog.getByRole('button', { name: 'Create group' }).click();
  await expect(dialog).toHaveCount(0);
  const header = conversation(alice.page, GROUP).locator('header');
  await expect(header).toContainText('Group · You, Bob');
  await expect(header.getByRole('button', { name: '2 members' })).toBeVisible();

  await send(alice.page, GROUP, 'Hello group, this is Alice.');
  await openGroup(bob.page);
  await expect(messageFrom(bob.page, 'Alice', 'Hello group, this is Alice.')).toBeVisible();
  await send(bob.page, GROUP, 'Hi Alice, Bob here.');
  await expect(messageFrom(alice.page, 'Bob', 'Hi Alice, Bob here.')).toBeVisible();
  await screenshot(alice.page, 'group-conversation');
});

test('Alice adds Carol, who reads and writes in the group; Bob, not her contact, sees her chosen name with her account id', async () => {
  const dialog = await members(alice.page);
  const list = dialog.getByRole('list', { name: 'Members' });
  await expect(list.getByRole('listitem')).toHaveCount(2);
  await expect(list.getByRole('listitem').first()).toHaveText('You');
  await expect(list.getByRole('button', { name: 'Remove Bob' })).toBeVisible();
  await dialog.getByLabel('Add a contact').selectOption({ label: 'Carol' });
  await dialog.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(dialog.getByRole('button', { name: 'Remove Carol' })).toBeVisible();
  await screenshot(alice.page, 'group-members');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(conversation(alice.page, GROUP).getByRole('button', { name: '3 members' })).toBeVisible();
  // Everyone has the new member list before anyone writes to it.
  await openGroup(carol.page);
  await expect(conversation(bob.page, GROUP).getByRole('button', { name: '3 members' })).toBeVisible();

  await send(alice.page, GROUP, 'Welcome, Carol.');
  await expect(messageFrom(carol.page, 'Alice', 'Welcome, Carol.')).toBeVisible();
  await expect(messageFrom(bob.page, 'Alice', 'Welcome, Carol.')).toBeVisible();
  await send(carol.page, GROUP, 'Thanks, everyone.');
  await expect(messageFrom(alice.page, 'Carol', 'Thanks, everyone.')).toBeVisible();
  // Bob and Carol are not contacts: Bob sees the name Carol gave herself with the start of
  // her account id, in the header and on her message alike.
  const carolLabel = `Carol (${carol.app.messenger!.accountId.toString('hex').slice(0, 12)})`;
  await expect(conversation(bob.page, GROUP).locator('header')).toContainText(carolLabel);
  await expect(messageFrom(bob.page, carolLabel, 'Thanks, everyone.')).toBeVisible();
});

test('Alice removes Bob; later messages reach Carol and not Bob', async () => {
  const dialog = await members(alice.page);
  await dialog.getByRole('button', { name: 'Remove Bob' }).click();
  await expect(dialog.getByRole('button', { name: 'Remove Bob' })).toHaveCount(0);
  await dialog.press('Escape');
  await expect(conversation(alice.page, GROUP).getByRole('button', { name: '2 members' })).toBeVisible();
  // Bob's copy of the group hears of it too.
  await expect(conversation(bob.page, GROUP).getByRole('button', { name: '2 members' })).toBeVisible();

  await send(alice.page, GROUP, 'Just the two of us now.');
  await expect(messageFrom(carol.page, 'Alice', 'Just the two of us now.')).toBeVisible();
  // Sealed to Carol's devices only, so it can never reach Bob.
  await expect(messages(bob.page, GROUP).filter({ hasText: 'Just the two of us now.' })).toHaveCount(0);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
