// A conversation longer than the message list holds at once (useMessages: HELD_MESSAGES):
// scrolling all the way back drops the newest pages and loads older ones, scrolling down
// again loads the newer pages back by cursor, and a search hit far back replaces what is
// held; through it all every message shows exactly once, in order, and what is on screen
// never jumps. Real engine, real relay, keys in the Secret Service.
import { expect, test, type Page } from '@playwright/test';
import { World, conversation, goTo, type Person } from './harness.js';
import { buildLongConversation, messageText, type LongConversation } from './long-history.js';

test.describe.configure({ mode: 'serial' });

/** Half again as many as the list holds, so both ends get dropped and fetched again. */
const COUNT = 3_000;
const LOG = 'Messages with Sam';

const world = new World();
let reader: Person;
let history: LongConversation;

test.beforeAll(async ({ browser }) => {
  const [relay] = await world.startRelays(1);
  const readerDir = world.profileFolder('Reader');
  history = await buildLongConversation(readerDir, world.profileFolder('Sam'), ['Reader', 'Sam'], relay!, COUNT);
  reader = await world.open(browser, 'Reader', readerDir);
});

test.afterAll(async () => {
  await world.stop();
});

test.afterEach(() => world.attachWarningsOnFailure());

interface Snapshot {
  /** Message numbers of the rows inside the list's viewport, top to bottom. */
  visible: number[];
  /** Message numbers of every row in the DOM, top to bottom (overscan included). */
  rendered: number[];
  /** Day separators in the DOM, top to bottom. */
  days: string[];
  atStart: boolean;
}

/**
 * Scrolls the list by `delta` px, lets any page it triggers load and be laid out (frames
 * until aria-busy is false, then two more), and reads what the list shows.
 */
async function scrollBy(page: Page, delta: number): Promise<Snapshot> {
  return (await page.evaluate(`(${SCROLL_AND_READ})(${JSON.stringify({ label: LOG, delta })})`)) as Snapshot;
}

// In the page (a string: this project's Node typecheck has no DOM types).
const SCROLL_AND_READ = `async ({ label, delta }) => {
  const log = document.querySelector('[role="log"][aria-label="' + label + '"]');
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  log.scrollTop += delta;
  await frame();
  await frame();
  while (log.getAttribute('aria-busy') === 'true') await frame();
  await frame();
  await frame();
  const bounds = log.getBoundingClientRect();
  const number = (element) => Number(/^Message (\\d+)$/.exec(element.textContent ?? '')?.[1] ?? NaN);
  const texts = [...log.querySelectorAll('.message-text')];
  const inside = (element) => {
    const rect = element.getBoundingClientRect();
    return rect.bottom > bounds.top && rect.top < bounds.bottom;
  };
  return {
    visible: texts.filter(inside).map(number),
    rendered: texts.map(number),
    days: [...log.querySelectorAll('.day-separator')].map((element) => element.getAttribute('aria-label') ?? ''),
    atStart: log.scrollTop <= 0 && log.querySelector('.history-start') !== null,
  };
}`;

/** Consecutive numbers, each once, ascending. */
function expectRun(numbers: number[]): void {
  expect(numbers.length).toBeGreaterThan(0);
  expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
}

/**
 * Scrolls by `step` until `done`; checks each screen against the one before (an unbroken
 * run of messages that overlaps the previous screen, i.e. no jump) and returns every
 * message and day separator seen.
 */
async function scrollThrough(page: Page, step: number, done: (snapshot: Snapshot) => boolean): Promise<{ seen: Set<number>; days: Set<string> }> {
  let previous = await scrollBy(page, 0);
  const seen = new Set<number>(previous.visible);
  const days = new Set<string>(previous.days);
  for (;;) {
    const snapshot = await scrollBy(page, step);
    expectRun(snapshot.rendered);
    expectRun(snapshot.visible);
    expect(new Set(snapshot.days).size).toBe(snapshot.days.length);
    // Three quarters of a screen per step: the screen before and this one share rows.
    expect(snapshot.visible.filter((n) => previous.visible.includes(n)).length).toBeGreaterThan(0);
    snapshot.visible.forEach((n) => seen.add(n));
    snapshot.days.forEach((day) => days.add(day));
    previous = snapshot;
    if (done(snapshot)) return { seen, days };
  }
}

const localDay = (at: number) => new Date(at).toDateString();

test('scrolling back to the first message and down again shows every message once, in order, without jumps', async () => {
  test.setTimeout(300_000);
  const { page } = reader;
  await goTo(page, 'Chats');
  await page.getByRole('button', { name: /^Sam/ }).click();
  const log = page.getByRole('log', { name: LOG });
  await expect(log.getByText(messageText(COUNT - 1), { exact: true })).toBeVisible();
  const screen = await log.evaluate((element) => element.clientHeight);

  const up = await scrollThrough(page, -screen * 0.75, (snapshot) => snapshot.atStart);
  expect(up.seen.size).toBe(COUNT);
  expect(Math.min(...up.seen)).toBe(0);
  expect(new Set(history.sentAt.map(localDay)).size).toBe(up.days.size);
  // The newest pages were dropped on the way.
  await expect(log.getByText(messageText(COUNT - 1), { exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Jump to newest' })).toBeVisible();

  const down = await scrollThrough(page, screen * 0.75, (snapshot) => snapshot.visible.includes(COUNT - 1));
  expect(down.seen.size).toBe(COUNT);
  await expect(log.getByText(messageText(0), { exact: true })).toHaveCount(0);
  await expect(log.getByText(messageText(COUNT - 1), { exact: true })).toBeInViewport();
  await expect(page.getByRole('button', { name: 'Jump to newest' })).toHaveCount(0);
});

test('a search hit far back opens among its neighbours; Jump to newest and new messages bring the reader back', async () => {
  const { page } = reader;
  const target = 40;
  await page.getByRole('searchbox').fill(messageText(target).split(' ')[1]!);
  await page.getByRole('button', { name: /Sam/ }).filter({ hasText: messageText(target) }).click();
  const log = page.getByRole('log', { name: LOG });
  const hit = log.getByRole('article').filter({ hasText: messageText(target) });
  await expect(hit).toBeInViewport();
  await expect(hit).toHaveClass(/highlighted/);
  const around = await scrollBy(page, 0);
  expectRun(around.rendered);
  await expect(log.getByText(messageText(COUNT - 1), { exact: true })).toHaveCount(0);

  await page.getByRole('button', { name: 'Jump to newest' }).click();
  await expect(log.getByText(messageText(COUNT - 1), { exact: true })).toBeInViewport();
  expectRun((await scrollBy(page, 0)).rendered);

  const box = page.getByLabel('Message to Sam');
  await box.fill('After the whole history');
  await box.press('Enter');
  await expect(log.getByText('After the whole history')).toBeInViewport();
  await expect(conversation(page, 'Sam')).toBeVisible();
});
