// Hostile text from a contact is data: markup, event handlers, javascript: links, SVG and
// pasted HTML arrive as messages and as file names, and both the sender's and the
// receiver's windows show them as plain text, with no element, script or dialog from them.
import { expect, test, type Page } from '@playwright/test';
import { gradientPng } from './files.js';
import { World, befriend, messages, openConversation, screenshot, send, type Person } from './harness.js';

test.describe.configure({ mode: 'serial' });

/** Each payload sets window.__xss (or opens a dialog) if it ever runs. */
const CORPUS = [
  '<script>window.__xss = "script"</script>',
  '<img src=x onerror="window.__xss = \'img\'">',
  '<svg onload="window.__xss = \'svg\'"><circle r="40"/></svg>',
  '<a href="javascript:window.__xss = \'link\'">click me</a>',
  'javascript:alert(document.domain)',
  '<iframe srcdoc="<script>parent.__xss = \'iframe\'</script>"></iframe>',
  '"><style>* { display: none !important }</style><b onmouseover=alert(1)>bold</b>',
  'https://example.com/"><img src=x onerror=alert(1)>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '{{constructor.constructor("alert(1)")()}} ${alert(1)}',
];

const HOSTILE_FILES = [
  { name: '<img src=x onerror=alert(1)>.png', mimeType: 'image/png', buffer: gradientPng(32, 32) },
  {
    name: '<svg onload=alert(1)>.svg',
    mimeType: 'image/svg+xml',
    buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>parent.__xss = "svg-file"</script></svg>'),
  },
  { name: '"><script>alert(1)</script>.html', mimeType: 'text/html', buffer: Buffer.from('<script>alert(1)</script>') },
];

const PASTED_HTML = '<p>pasted <b>bold</b></p><img src=x onerror="window.__xss = \'paste\'"><script>window.__xss = "paste"</script>';
const PASTED_TEXT = 'pasted plain text from a web page';

const world = new World();
let alice: Person;
let bob: Person;
const dialogs: string[] = [];

test.beforeAll(async ({ browser }) => {
  const relays = await world.startRelays(2);
  alice = await world.person(browser, 'Alice', relays);
  bob = await world.person(browser, 'Bob', relays);
  for (const person of [alice, bob]) {
    person.page.on('dialog', (dialog) => {
      dialogs.push(`${person.name}: ${dialog.message()}`);
      void dialog.dismiss();
    });
  }
  await befriend(alice, bob);
  await openConversation(alice, 'Bob');
  await openConversation(bob, 'Alice');
});

test.afterAll(async () => {
  await world.stop();
});

test.afterEach(() => world.attachWarningsOnFailure());

/** Anything a payload could have put in the page, counted inside the message list. */
async function injected(page: Page, withName: string): Promise<unknown> {
  return page.evaluate(`(() => {
    const log = document.querySelector(${JSON.stringify(`[role="log"][aria-label="Messages with ${withName}"]`)});
    return {
      xss: window.__xss ?? null,
      scripts: log.querySelectorAll('script, iframe, object, embed, style, math, a[href], form').length,
      handlers: [...log.querySelectorAll('*')].filter((element) => [...element.attributes].some((attribute) => attribute.name.startsWith('on'))).length,
      foreignImages: [...log.querySelectorAll('img')].filter((img) => !img.src.startsWith('blob:')).length,
      foreignSvg: [...log.querySelectorAll('svg')].filter((svg) => !svg.classList.contains('icon')).length,
      hidden: getComputedStyle(document.body).display === 'none',
    };
  })()`);
}

const CLEAN = { xss: null, scripts: 0, handlers: 0, foreignImages: 0, foreignSvg: 0, hidden: false };

test('hostile message text shows as text on both sides', async () => {
  for (const text of CORPUS) await send(alice.page, 'Bob', text);
  const received = messages(bob.page, 'Alice');
  await expect(received).toHaveCount(CORPUS.length);
  for (const [index, text] of CORPUS.entries()) {
    await expect(received.nth(index).locator('.message-text')).toHaveText(text);
  }
  await screenshot(bob.page, 'xss-messages');
  expect(await injected(bob.page, 'Alice')).toEqual(CLEAN);
  expect(await injected(alice.page, 'Bob')).toEqual(CLEAN);
  expect(dialogs).toEqual([]);
});

test('the http link in hostile text is a button that asks first, and javascript: never becomes one', async () => {
  const bubble = messages(bob.page, 'Alice').nth(CORPUS.indexOf('https://example.com/"><img src=x onerror=alert(1)>'));
  await expect(bubble.getByRole('button', { name: /^Link to example\.com/ })).toHaveCount(1);
  await expect(messages(bob.page, 'Alice').getByRole('button', { name: /^Link to/ })).toHaveCount(1);
  await bubble.getByRole('button', { name: /^Link to example\.com/ }).click();
  const confirm = bob.page.getByRole('dialog', { name: 'Open this link?' });
  await expect(confirm).toContainText('example.com');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toHaveCount(0);
});

test('hostile file names and an SVG file stay inert', async () => {
  await alice.page.getByLabel('Choose files to attach').setInputFiles(HOSTILE_FILES);
  await send(alice.page, 'Bob', 'three files');
  const bubble = messages(bob.page, 'Alice').last();
  await expect(bubble).toContainText('three files');
  for (const file of HOSTILE_FILES) await expect(bubble.getByText(file.name, { exact: true })).toBeVisible();
  // The PNG previews (its hostile name is only an alt text); the SVG is never rendered.
  await expect(bubble.getByRole('img', { name: HOSTILE_FILES[0]!.name })).toBeVisible();
  await expect(bubble.getByRole('img')).toHaveCount(1);
  await screenshot(bob.page, 'xss-files');
  expect(await injected(bob.page, 'Alice')).toEqual(CLEAN);
  expect(await injected(alice.page, 'Bob')).toEqual(CLEAN);
  expect(dialogs).toEqual([]);
});

test('pasted HTML becomes its plain text', async ({ browserName }) => {
  expect(browserName).toBe('chromium');
  await bob.context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await bob.page.evaluate(`navigator.clipboard.write([
    new ClipboardItem({
      'text/html': new Blob([${JSON.stringify(PASTED_HTML)}], { type: 'text/html' }),
      'text/plain': new Blob([${JSON.stringify(PASTED_TEXT)}], { type: 'text/plain' }),
    }),
  ])`);
  const box = bob.page.getByLabel('Message to Alice');
  await box.click();
  await box.press('ControlOrMeta+V');
  await expect(box).toHaveValue(PASTED_TEXT);
  await box.press('Enter');
  await expect(messages(alice.page, 'Bob').last().locator('.message-text')).toHaveText(PASTED_TEXT);
  expect(await injected(alice.page, 'Bob')).toEqual(CLEAN);
  expect(await injected(bob.page, 'Alice')).toEqual(CLEAN);
  expect(dialogs).toEqual([]);
});
