// Desktop UI benchmark (issue 5), in the browser target: a real profile whose direct
// conversation holds 100,000 messages, served by the real web host (startApp) to Debian's
// Chromium, driven by Playwright. In each repetition, measured in the page:
//  (a) time to first render of the 100k conversation: click in the list → its newest
//      message painted inside the list;
//  (b) the same for an empty conversation (baseline);
//  (c) p95 frame time (requestAnimationFrame deltas) while scrolling from the bottom to the
//      start of the history at a fixed speed, older pages loading as they come into reach;
//  (d) a plain page of the same strings, one <div> each, no virtualization, no framework,
//      from the same origin (baseline): navigation start → the newest string painted, and
//      the same scroll to the top.
// Profiles keep their secrets in the passphrase vault at the cheapest Argon2id cost, as in
// bench/suites/messenger.ts, so no Secret Service is needed. Sizes can be lowered for a
// quick run: AEGEES_BENCH_UI_MESSAGES, AEGEES_BENCH_UI_REPETITIONS,
// AEGEES_BENCH_UI_SCROLL_SPEED (px/s). Prints Markdown for docs/BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { PWHASH_INTERACTIVE, randomBytes } from '../../src/core/crypto/sodium.js';
import { openSecretStore, type OpenSecretStoreOptions } from '../../src/core/keychain/open.js';
import { Messenger } from '../../src/core/messenger/messenger.js';
import { openStore } from '../../src/core/store/open.js';
import { DEFAULT_STATIC_DIR, startApp, type App } from '../../src/host/app.js';
import { spawnRelay, type RelayProcess } from '../../test/support/relay-process.js';
import { TextGenerator, prng } from '../support/zipf-text.js';

const envInt = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};

const MESSAGES = envInt('AEGEES_BENCH_UI_MESSAGES', 100_000);
const REPETITIONS = envInt('AEGEES_BENCH_UI_REPETITIONS', 3);
const SCROLL_SPEED = envInt('AEGEES_BENCH_UI_SCROLL_SPEED', 100_000);
const SCROLL_TIMEOUT_MS = 400_000;
const RENDER_TIMEOUT_MS = 60_000;
const INSERT_BATCH = 10_000;
/** Mean gap between messages; 100,000 messages span about a year. */
const MEAN_GAP_MS = 5 * 60_000;
const SETTLE_MS = 1_000;

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PROBE = readFileSync(fileURLToPath(new URL('../support/ui-probe.js', import.meta.url)), 'utf8');
const VAULT: OpenSecretStoreOptions = { passphraseVault: { passphrase: 'benchmark passphrase', limits: PWHASH_INTERACTIVE } };
// As playwright.config.ts launches it for the e2e specs.
const CHROMIUM = process.env.AEGEES_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const VIEWPORT = { width: 1280, height: 800 };

const fixed = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (value: number) => fixed(value, 1);
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
};
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));
const progress = (text: string) => process.stderr.write(`[ui bench] ${text}\n`);

async function waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

// ------------------------------------------------------------ the renderer bundle

/** Newest modification time of the files under `dir`. */
function newestIn(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds dist/renderer (npm run build:renderer) when it is missing or older than its sources. */
function ensureRendererBuilt(): void {
  const built = join(DEFAULT_STATIC_DIR, 'index.html');
  const sources = Math.max(newestIn(join(REPO, 'src/renderer')), newestIn(join(REPO, 'src/common')));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  progress('building the renderer (npm run build:renderer)');
  const result = spawnSync('npm', ['run', 'build:renderer', '--silent'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`npm run build:renderer failed with status ${result.status}`);
}

// ------------------------------------------------------------ the profile

interface History {
  readonly profileDir: string;
  /** Oldest first, as the plain page lists them. */
  readonly bodies: string[];
  readonly buildSeconds: number;
  readonly outgoing: number;
}

async function openProfile(dir: string, name: string, relay: RelayProcess, warnings: string[]): Promise<Messenger> {
  const messenger = await Messenger.open({
    profileDir: dir,
    secretStore: VAULT,
    onWarning: (message, error) => warnings.push(`${name}: ${message}${error instanceof Error ? `: ${error.message}` : ''}`),
  });
  await messenger.addRelay(relay.url, { identityKey: relay.identityKey, inbox: true });
  await messenger.createAccount(name);
  messenger.start();
  return messenger;
}

/** `from` sends a contact request to `to` with `to`'s invite code; `to` accepts. */
async function befriend(to: Messenger, from: Messenger): Promise<void> {
  await from.addContact(to.inviteCode());
  const fromId = from.accountId;
  await waitFor(() => to.contacts().some((c) => Buffer.from(c.accountId).equals(fromId)), 'the contact request');
  await to.acceptContact(fromId);
  const toId = to.accountId;
  await waitFor(() => from.contacts().some((c) => Buffer.from(c.accountId).equals(toId) && c.state === 'accepted'), 'the accept');
}

/**
 * The reader's profile, made through the engine: an account, two accepted contacts (Bob,
 * Carol) and a direct conversation with each. Then, with the engine closed, the
 * conversation with Bob gets MESSAGES messages through the store's repositories, in
 * transactions of INSERT_BATCH: about half sent by the reader (read by Bob), in runs
 * of one sender, a few with a link; the conversation with Carol stays empty.
 */
async function buildHistory(root: string, relay: RelayProcess, warnings: string[]): Promise<History> {
  const [me, bob, carol] = [
    await openProfile(join(root, 'me'), 'Me', relay, warnings),
    await openProfile(join(root, 'bob'), 'Bob', relay, warnings),
    await openProfile(join(root, 'carol'), 'Carol', relay, warnings),
  ];
  await befriend(me, bob);
  await befriend(me, carol);
  const conversationId = me.openDirectConversation(bob.accountId).id;
  me.openDirectConversation(carol.accountId);
  const mine = me.whoami();
  const theirs = bob.whoami();
  for (const messenger of [me, bob, carol]) await messenger.close();

  progress(`writing ${fixed(MESSAGES)} messages`);
  const began = performance.now();
  const random = prng(0x0ae9ee5);
  const text = new TextGenerator(random);
  const gaps = Array.from({ length: MESSAGES }, () => -Math.log(1 - random()) * MEAN_GAP_MS);
  let sentAt = Date.now() - Math.round(gaps.reduce((sum, gap) => sum + gap, 0)) - 60_000;
  const bodies: string[] = [];
  let outgoing = 0;
  let fromMe = false;
  const secrets = await openSecretStore(join(root, 'me'), VAULT);
  const store = await openStore(join(root, 'me'), secrets);
  try {
    for (let start = 0; start < MESSAGES; start += INSERT_BATCH) {
      store.transaction(() => {
        for (let i = start; i < Math.min(MESSAGES, start + INSERT_BATCH); i++) {
          sentAt += Math.round(gaps[i]!);
          if (random() < 0.4) fromMe = !fromMe;
          const body = random() < 0.03 ? `${text.message()} https://example.org/${text.word()}/${text.word()}` : text.message();
          bodies.push(body);
          const message = { id: randomBytes(16), conversationId, sentAt, body };
          if (fromMe) {
            outgoing++;
            const seq = store.messages.insertOutgoing({
              ...message,
              senderAccountId: mine.accountId,
              senderDeviceId: mine.deviceId,
              receivedAt: sentAt,
              recipients: [{ accountId: theirs.accountId, deviceId: theirs.deviceId }],
            });
            store.messages.setRecipientState(seq, theirs.accountId, theirs.deviceId, 'read', sentAt + 30_000);
          } else {
            store.messages.receive({ ...message, senderAccountId: theirs.accountId, senderDeviceId: theirs.deviceId, receivedAt: sentAt + 1_000 });
          }
        }
      });
    }
    // Read up to here: opening the conversation sends no read receipts during the runs.
    store.conversations.markRead(conversationId);
  } finally {
    store.close();
    secrets.close();
  }
  return { profileDir: join(root, 'me'), bodies, buildSeconds: (performance.now() - began) / 1000, outgoing };
}

// ------------------------------------------------------------ the plain page

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The bundle plus the plain page, in one folder the web host serves: the page gets the
 * same origin, headers and CSP as the app (so its style and script are files too).
 */
function buildSite(root: string, bodies: readonly string[]): string {
  const site = join(root, 'site');
  cpSync(DEFAULT_STATIC_DIR, site, { recursive: true });
  const rows = bodies.map((body, index) => `<div${index === bodies.length - 1 ? ' id="last"' : ''}>${escapeHtml(body)}</div>`);
  writeFileSync(
    join(site, 'plain-list.html'),
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Plain list</title><link rel="stylesheet" href="plain-list.css"></head><body>\n${rows.join('\n')}\n<script src="plain-list.js"></script></body></html>\n`,
  );
  // The app's text settings (src/renderer/styles.css: body, .message-text), nothing else.
  writeFileSync(
    join(site, 'plain-list.css'),
    "body { margin: 0; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif; }\ndiv { white-space: pre-wrap; overflow-wrap: anywhere; }\n",
  );
  writeFileSync(join(site, 'plain-list.js'), 'document.scrollingElement.scrollTop = document.scrollingElement.scrollHeight;\n');
  return site;
}

// ------------------------------------------------------------ measurements

interface FirstRender {
  start: number;
  painted: number;
  /** Pages the message list had started to load by then. */
  loads: number;
  /** The first page's request to response, as the list's aria-busy shows it. */
  firstLoadMs: number | null;
}

interface ScrollResult {
  deltas: number[];
  durationMs: number;
  stalledFrames: number;
  loads: number;
  busyMs: number;
  timedOut: boolean;
  scrolledPx: number;
}

interface Repetition {
  emptyMs: number;
  fullMs: number;
  fullLoads: number;
  fullFirstLoadMs: number;
  plainMs: number;
  appScroll: ScrollResult;
  plainScroll: ScrollResult;
}

async function newPage(context: BrowserContext, errors: string[], extra = ''): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  await page.addInitScript({ content: PROBE + extra });
  return page;
}

const conversationButton = (page: Page, title: string) =>
  page.locator('button.conversation-item').filter({ has: page.locator('.title', { hasText: new RegExp(`^${title}$`) }) });

/** A fresh page of the app on the Chats page with no conversation open; clicks `title` and times its first render. */
async function appFirstRender(context: BrowserContext, app: App, errors: string[], title: string, lastText: string | null): Promise<{ page: Page; ms: number; loads: number; firstLoadMs: number }> {
  const page = await newPage(context, errors);
  await page.goto(app.url);
  await conversationButton(page, title).waitFor();
  await sleep(SETTLE_MS);
  // The comma keeps evaluate from waiting for the promise, which settles only after the click.
  const spec = { kind: 'app', log: `Messages with ${title}`, lastText, timeoutMs: RENDER_TIMEOUT_MS };
  await page.evaluate(`window.__uiFirstRender = window.__uiBench.firstRender(${JSON.stringify(spec)}), true`);
  await conversationButton(page, title).click();
  const result = (await page.evaluate('window.__uiFirstRender')) as FirstRender;
  return { page, ms: result.painted - result.start, loads: result.loads, firstLoadMs: result.firstLoadMs ?? Number.NaN };
}

async function scrollThrough(page: Page, spec: { kind: 'app'; log: string } | { kind: 'plain' }): Promise<ScrollResult> {
  await sleep(SETTLE_MS);
  const result = (await page.evaluate(`window.__uiBench.scrollThrough(${JSON.stringify({ ...spec, speed: SCROLL_SPEED, timeoutMs: SCROLL_TIMEOUT_MS })})`)) as ScrollResult;
  if (result.timedOut) throw new Error(`${spec.kind}: the scroll did not reach the start of the history in ${SCROLL_TIMEOUT_MS / 1000} s`);
  return result;
}

async function measureApp(context: BrowserContext, app: App, lastText: string, errors: string[]): Promise<Pick<Repetition, 'emptyMs' | 'fullMs' | 'fullLoads' | 'fullFirstLoadMs' | 'appScroll'>> {
  progress('  app: empty conversation');
  const empty = await appFirstRender(context, app, errors, 'Carol', null);
  await empty.page.close();
  progress('  app: full conversation');
  const full = await appFirstRender(context, app, errors, 'Bob', lastText);
  progress('  app: scrolling');
  const appScroll = await scrollThrough(full.page, { kind: 'app', log: 'Messages with Bob' });
  await full.page.close();
  return { emptyMs: empty.ms, fullMs: full.ms, fullLoads: full.loads, fullFirstLoadMs: full.firstLoadMs, appScroll };
}

async function measurePlain(context: BrowserContext, app: App, errors: string[]): Promise<Pick<Repetition, 'plainMs' | 'plainScroll'>> {
  const page = await newPage(context, errors, `\nwindow.__uiFirstRender = window.__uiBench.firstRender({ kind: 'plain', timeoutMs: ${RENDER_TIMEOUT_MS} });\n`);
  progress('  plain list');
  await page.goto(`${app.origin}/plain-list.html`);
  const result = (await page.evaluate('window.__uiFirstRender')) as FirstRender;
  progress('  plain list: scrolling');
  const plainScroll = await scrollThrough(page, { kind: 'plain' });
  await page.close();
  return { plainMs: result.painted - result.start, plainScroll };
}

// ------------------------------------------------------------ report

function frameStats(result: ScrollResult) {
  const quarter = Math.ceil(result.deltas.length / 4);
  return {
    p50: percentile(result.deltas, 50),
    p95: percentile(result.deltas, 95),
    max: Math.max(...result.deltas),
    frames: result.deltas.length,
    seconds: result.durationMs / 1000,
    /** p95 of each quarter of the scroll, in frame order: bottom (newest) first. */
    quarters: [0, 1, 2, 3].map((q) => percentile(result.deltas.slice(q * quarter, (q + 1) * quarter), 95)),
  };
}

type FrameStats = ReturnType<typeof frameStats>;

function report(history: History, runs: Repetition[], chromiumVersion: string, minutes: number): string {
  const app = runs.map((run) => frameStats(run.appScroll));
  const plain = runs.map((run) => frameStats(run.plainScroll));
  const med = (pick: (run: Repetition) => number) => median(runs.map(pick));
  const stat = (stats: FrameStats[], pick: (one: FrameStats) => number) => median(stats.map(pick));
  const ratio = (pick: (run: Repetition, index: number) => number) => fixed(median(runs.map(pick)), 2);
  const size = fixed(MESSAGES);
  const scrollRow = (label: string, stats: FrameStats[], height: number, firstRender: number) =>
    `| ${label} | ${ms(firstRender)} | ${ms(stat(stats, (s) => s.p50))} | **${ms(stat(stats, (s) => s.p95))}** | ${ms(stat(stats, (s) => s.max))} | ${fixed(stat(stats, (s) => s.frames))} | ${fixed(stat(stats, (s) => s.seconds), 1)} | ${fixed(height)} |`;
  const quarterRow = (label: string, stats: FrameStats[]) => `| ${label} | ${[0, 1, 2, 3].map((q) => ms(stat(stats, (s) => s.quarters[q]!))).join(' | ')} |`;
  return [
    '## Desktop UI',
    '',
    `Command: \`npm run bench -- ui\` (${fixed(minutes, 1)} minutes for this run; \`AEGEES_BENCH_UI_MESSAGES\`,`,
    '`AEGEES_BENCH_UI_REPETITIONS` and `AEGEES_BENCH_UI_SCROLL_SPEED` (px/s) shrink it for a quick run).',
    'The browser target as people run it: a real profile (`Messenger.open`: SQLCipher store,',
    "WAL, synchronous=FULL; secrets in the passphrase vault at the vault's lowest Argon2id cost,",
    'so no Secret Service is needed) served by the real web host (`startApp`, the built',
    '`dist/renderer`, rebuilt first when missing or older than `src/renderer` or `src/common`),',
    `its engine connected to one real relay process, opened in Debian's Chromium ${chromiumVersion}`,
    `(Playwright, \`/usr/bin/chromium\` with the e2e flags, so \`--disable-gpu\`: software raster; headless, ${VIEWPORT.width}×${VIEWPORT.height}).`,
    '',
    "The profile's account, two contacts and their direct conversations were made through the",
    `engine (three profiles on the relay); then ${size} messages went into one conversation through`,
    `\`MessageRepository\` (\`receive\`, \`insertOutgoing\`, ${fixed(INSERT_BATCH)} per transaction, FTS indexed; ${fixed(history.buildSeconds, 1)} s):`,
    'generated text with Zipf-distributed words, 1–60 words (about 10 on average), 3% with a',
    `link, ${fixed((100 * history.outgoing) / MESSAGES)}% sent by the reader (shown as read by the contact), in runs of one sender, a message`,
    'every 5 minutes on average (about a year, so day separators too); fixed seed. The other',
    'conversation is empty.',
    '',
    'Measured in the page with page-clock timestamps (`bench/support/ui-probe.js`, injected',
    "before the page's own scripts). A frame is \"painted\" at a task posted from its",
    "`requestAnimationFrame` callback, i.e. after that frame's main-thread style, layout and paint.",
    '',
    '- **First render, conversation**: on a freshly loaded app with no conversation open, from',
    "  the click on the conversation in the list (a capturing listener, before React's) to the",
    '  first frame in which the newest row of the message list is the newest message and lies',
    '  inside the list. **Empty conversation** (baseline): to the first frame after its (empty)',
    '  first page has loaded (`aria-busy` went true, then false).',
    '- **First render, plain list** (baseline): a static page from the same host and origin',
    `  (same headers and CSP) holding the same ${size} strings, one \`<div>\` each, in the app's font,`,
    '  no framework, no virtualization; a one-line script at its end scrolls to the bottom. From',
    '  navigation start to the first frame in which the newest string lies inside the viewport',
    '  (so it includes fetching and parsing the page).',
    '- **Scroll**: right after the first render, from the bottom to the start of the history at',
    `  a fixed ${fixed(SCROLL_SPEED)} px/s: in each \`requestAnimationFrame\` callback \`scrollTop\` moves up by the`,
    '  speed times the time since the previous frame; frame time is the difference of consecutive',
    '  `requestAnimationFrame` timestamps. That speed is far beyond a hand on a wheel (every frame',
    `  shows new rows), so that the whole history passes in a couple of minutes. In the app, older pages`,
    '  (200 messages) load as the list nears its top, as when a person scrolls; frames spent at the',
    "  top of what is loaded, waiting for the next page, count too (they are short, so they pull",
    "  the app's p95 down rather than up). The plain list scrolls its document the same way.",
    '',
    `${REPETITIONS} repetitions, alternating which page goes first; medians. Ratios are the median of each`,
    "repetition's own ratio.",
    '',
    '| ratio | median |',
    '| --- | ---: |',
    `| first render, ${size}-message conversation / empty conversation | **${ratio((run) => run.fullMs / run.emptyMs)}** |`,
    `| first render, ${size}-message conversation / plain list | **${ratio((run) => run.fullMs / run.plainMs)}** |`,
    `| scroll p95 frame time, ${size}-message conversation / plain list | **${ratio((_run, i) => app[i]!.p95 / plain[i]!.p95)}** |`,
    '',
    '| page | first render ms | scroll p50 ms | scroll p95 ms | scroll max ms | frames | scroll s | scrolled px |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| empty conversation | ${ms(med((run) => run.emptyMs))} | | | | | | |`,
    scrollRow(`${size}-message conversation`, app, med((run) => run.appScroll.scrolledPx), med((run) => run.fullMs)),
    scrollRow('plain list (baseline)', plain, med((run) => run.plainScroll.scrolledPx), med((run) => run.plainMs)),
    '',
    'p95 frame time by quarter of the scroll (in frame order, from the newest messages):',
    '',
    '| page | 1st quarter ms | 2nd ms | 3rd ms | 4th (oldest) ms |',
    '| --- | ---: | ---: | ---: | ---: |',
    quarterRow(`${size}-message conversation`, app),
    quarterRow('plain list (baseline)', plain),
    '',
    `By its first render the app had started loading ${fixed(med((run) => run.fullLoads))} page(s); the first page took ${ms(med((run) => run.fullFirstLoadMs))} ms from request to`,
    'response (`aria-busy` true to false). While scrolling it loaded',
    `${fixed(med((run) => run.appScroll.loads))} older pages, busy loading for ${fixed(med((run) => run.appScroll.busyMs) / 1000, 1)} s in all; ${fixed(med((run) => run.appScroll.stalledFrames))} frames began at the top of what was loaded,`,
    'waiting for the next page.',
    '',
    'Each repetition:',
    '',
    '| # | empty ms | conversation ms | plain ms | app p95 ms | plain p95 ms | app scroll s | plain scroll s |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...runs.map(
      (run, i) =>
        `| ${i + 1} | ${ms(run.emptyMs)} | ${ms(run.fullMs)} | ${ms(run.plainMs)} | ${ms(app[i]!.p95)} | ${ms(plain[i]!.p95)} | ${fixed(app[i]!.seconds, 1)} | ${fixed(plain[i]!.seconds, 1)} |`,
    ),
  ].join('\n');
}

// ------------------------------------------------------------ main

async function main(): Promise<void> {
  const suiteStart = performance.now();
  ensureRendererBuilt();
  const root = mkdtempSync(join(tmpdir(), 'aegees-bench-ui-'));
  const warnings: string[] = [];
  let relay: RelayProcess | undefined;
  let app: App | undefined;
  let browser: Browser | undefined;
  try {
    relay = await spawnRelay({ flags: { 'rate-limit': 0 } });
    const history = await buildHistory(root, relay, warnings);
    const site = buildSite(root, history.bodies);
    app = await startApp({
      profileDir: history.profileDir,
      staticDir: site,
      engine: { secretStore: VAULT, onWarning: (message) => warnings.push(`app: ${message}`) },
      log: (message, fields) => warnings.push(`host: ${message} ${JSON.stringify(fields ?? {})}`),
    });
    if (!app.messenger) throw new Error(`the profile did not open: ${warnings.join('; ')}`);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: VIEWPORT });
    const errors: string[] = [];
    const lastText = history.bodies.at(-1)!;
    const runs: Repetition[] = [];
    for (let i = 0; i < REPETITIONS; i++) {
      progress(`repetition ${i + 1} of ${REPETITIONS}`);
      // Alternating the order, so a trend in machine load does not favour one side.
      const plainFirst = i % 2 === 1;
      const plain = plainFirst ? await measurePlain(context, app, errors) : undefined;
      const ours = await measureApp(context, app, lastText, errors);
      const run = { ...ours, ...(plain ?? (await measurePlain(context, app, errors))) };
      progress(
        `  first render: empty ${ms(run.emptyMs)} ms, conversation ${ms(run.fullMs)} ms, plain ${ms(run.plainMs)} ms; ` +
          `scroll p95: app ${ms(frameStats(run.appScroll).p95)} ms (${fixed(run.appScroll.durationMs / 1000, 1)} s), plain ${ms(frameStats(run.plainScroll).p95)} ms (${fixed(run.plainScroll.durationMs / 1000, 1)} s)`,
      );
      runs.push(run);
    }
    if (errors.length > 0) throw new Error(errors.join('\n'));
    console.log(report(history, runs, browser.version(), (performance.now() - suiteStart) / 60_000));
    progress(`done in ${fixed((performance.now() - suiteStart) / 1000)} s on ${cpus().length} cores`);
    if (warnings.length > 0) progress(`warnings: ${warnings.slice(0, 5).join('; ')}`);
  } finally {
    await browser?.close();
    await app?.close();
    await relay?.stop();
    if (relay) rmSync(relay.dataDir, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
