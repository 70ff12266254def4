// Messenger integration set-up: real relay processes (optionally behind a hostile proxy),
// real profiles (SQLCipher files, keys in the real Secret Service started by
// scripts/with-secret-service.sh), and helpers to wait for what a user would see.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { wipe } from '../../../src/core/crypto/sodium.js';
import { openSecretStore } from '../../../src/core/keychain/open.js';
import { Messenger } from '../../../src/core/messenger/messenger.js';
import { openEncryptedDatabase, type Db } from '../../../src/core/store/database.js';
import { DATABASE_FILE, DATABASE_KEY_SECRET } from '../../../src/core/store/open.js';
import { inspectStore } from '../relay/harness.js';
import { startHostileProxy, type HostileProxy } from '../../support/hostile-proxy.js';
import { reusablePort } from '../../support/ports.js';
import { spawnRelay, type RelayProcess } from '../../support/relay-process.js';
import { waitFor } from '../../support/wait.js';

export interface Profile {
  readonly name: string;
  readonly dir: string;
  /** Replaced when the profile is closed and opened again (an app restart). */
  messenger: Messenger;
  online: boolean;
  readonly warnings: string[];
  /** Hex ids of the messages the UI was told about (messageAdded), repeats included. */
  readonly shown: string[];
}

export interface WorldOptions {
  /** Relays (by index) that clients reach only through a hostile proxy. */
  readonly hostile?: readonly number[];
}

// Every client here shares one IP, which a per-IP rate limit would treat as one abuser.
const RELAY_FLAGS = { 'rate-limit': 0 };

export class World {
  readonly relays: RelayProcess[] = [];
  readonly proxies = new Map<number, HostileProxy>();
  readonly profiles: Profile[] = [];
  private readonly killed = new Set<number>();
  private root = '';

  async start(relayCount: number, options: WorldOptions = {}): Promise<void> {
    this.root = await mkdtemp(join(tmpdir(), 'aegees-messenger-'));
    this.relays.push(
      ...(await Promise.all(
        Array.from({ length: relayCount }, async () => spawnRelay({ flags: { ...RELAY_FLAGS, port: await reusablePort() } })),
      )),
    );
    for (const index of options.hostile ?? []) this.proxies.set(index, await startHostileProxy(this.relays[index]!.url));
  }

  /** The URL clients know relay `index` by (its proxy's, for a hostile relay). */
  url(index: number): string {
    return this.proxies.get(index)?.url ?? this.relays[index]!.url;
  }

  proxy(index: number): HostileProxy {
    const proxy = this.proxies.get(index);
    if (!proxy) throw new Error(`relay ${index} has no proxy`);
    return proxy;
  }

  /**
   * A started profile with an account whose inbox relays are `inbox` (indexes into relays);
   * `alsoKnown` relays are in its roster too, for sending only.
   */
  async profile(name: string, inbox: readonly number[], alsoKnown: readonly number[] = []): Promise<Profile> {
    const profile: Profile = {
      name,
      dir: join(this.root, `${name}-${this.profiles.length}`),
      messenger: undefined as unknown as Messenger,
      online: false,
      warnings: [],
      shown: [],
    };
    profile.messenger = await this.openMessenger(profile);
    for (const index of [...inbox, ...alsoKnown]) {
      await profile.messenger.addRelay(this.url(index), { identityKey: this.relays[index]!.identityKey, inbox: inbox.includes(index) });
    }
    await profile.messenger.createAccount(name);
    profile.messenger.start();
    profile.online = true;
    this.profiles.push(profile);
    return profile;
  }

  /** Closes the profile's messenger, as when the app quits. */
  async offline(profile: Profile): Promise<void> {
    profile.online = false;
    await profile.messenger.close();
  }

  /** Opens and starts the profile again from its files and keychain entries. */
  async online(profile: Profile): Promise<void> {
    profile.messenger = await this.openMessenger(profile);
    profile.messenger.start();
    profile.online = true;
  }

  private async openMessenger(profile: Profile): Promise<Messenger> {
    const messenger = await Messenger.open({
      profileDir: profile.dir,
      healthIntervalMs: 500,
      onWarning: (message, error) => profile.warnings.push(`${message}${error instanceof Error ? `: ${error.message}` : ''}`),
    });
    messenger.on('messageAdded', (message) => profile.shown.push(message.id.toString('hex')));
    return messenger;
  }

  /** kill -9, as when a relay's machine loses power. */
  async killRelay(index: number): Promise<void> {
    this.killed.add(index);
    await this.relays[index]!.kill();
  }

  /** Starts relay `index` again on its data (and so its identity key) and its port. */
  async restartRelay(index: number): Promise<void> {
    const old = this.relays[index]!;
    this.relays[index] = await spawnRelay({ dataDir: old.dataDir, flags: { ...RELAY_FLAGS, port: old.port } });
    this.killed.delete(index);
  }

  /** Restarts every killed relay and brings every profile back online (after a failed test). */
  async heal(): Promise<void> {
    for (const index of [...this.killed]) await this.restartRelay(index);
    for (const profile of this.profiles) if (!profile.online) await this.online(profile);
  }

  async stop(): Promise<void> {
    await Promise.all(this.profiles.filter((profile) => profile.online).map((profile) => this.offline(profile)));
    await Promise.all([...this.proxies.values()].map((proxy) => proxy.close()));
    await Promise.all(this.relays.map((relay) => relay.stop()));
    await rm(this.root, { recursive: true, force: true });
  }

  /** Envelopes and blobs every relay still holds, read from their stores. */
  async relayHoldings(): Promise<Array<{ envelopes: number; blobs: number; blobData: number }>> {
    return Promise.all(
      this.relays.map(async (relay) => {
        const inspector = inspectStore(relay, {});
        try {
          const { envelopes, blobs, blobData } = await inspector.counts();
          return { envelopes, blobs, blobData };
        } finally {
          await inspector.close();
        }
      }),
    );
  }

  /** The envelope `msgId` as relay `index` stores it, read from its SQLite file. */
  envelopeOn(index: number, msgId: Uint8Array): Buffer | undefined {
    const db = new Database(join(this.relays[index]!.dataDir, 'relay.db'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare<[Uint8Array], Buffer>('SELECT body FROM envelopes WHERE msg_id = ?').pluck().get(msgId);
    } finally {
      db.close();
    }
  }

  /** Indexes of the relays whose stores hold the envelope `msgId`. */
  relaysHolding(msgId: Uint8Array): number[] {
    return this.relays.flatMap((relay, index) => {
      const db = new Database(join(relay.dataDir, 'relay.db'), { readonly: true, fileMustExist: true });
      try {
        return db.prepare('SELECT 1 FROM envelopes WHERE msg_id = ?').get(msgId) ? [index] : [];
      } finally {
        db.close();
      }
    });
  }
}

/** Both sides become accepted contacts of each other. */
export async function befriend(a: Profile, b: Profile): Promise<void> {
  await b.messenger.addContact(a.messenger.inviteCode());
  const bId = b.messenger.accountId;
  await waitFor(() => a.messenger.contacts().find((c) => Buffer.from(c.accountId).equals(bId)), `${a.name} to receive ${b.name}'s contact request`);
  await a.messenger.acceptContact(bId);
  const aId = a.messenger.accountId;
  await waitFor(() => b.messenger.contacts().find((c) => Buffer.from(c.accountId).equals(aId) && c.state === 'accepted'), `${b.name} to see the accept`);
}

/** The direct conversation of two befriended profiles, as `of` sees it. */
export function conversationId(of: Profile, peer: Profile): Buffer {
  return of.messenger.openDirectConversation(peer.messenger.accountId).id;
}

/** Bodies of the conversation's messages in the order the user sees them. */
export function bodies(of: Profile, conversation: Uint8Array): string[] {
  return of.messenger.history(conversation, { limit: 500 }).messages.map((message) => message.body);
}

/** Waits until `of` shows exactly these bodies (in this order) in the conversation. */
export async function waitForBodies(of: Profile, conversation: Uint8Array, expected: readonly string[]): Promise<void> {
  await waitFor(
    () => bodies(of, conversation).length >= expected.length,
    `${of.name} to show ${expected.length} messages (has ${bodies(of, conversation).length})`,
  );
}

/** A second connection to a profile's database: it sees only what was committed. */
export async function committedView(profile: Profile): Promise<Db> {
  const secrets = await openSecretStore(profile.dir);
  const key = (await secrets.get(DATABASE_KEY_SECRET))!;
  try {
    return openEncryptedDatabase(join(profile.dir, DATABASE_FILE), key, { mustExist: true });
  } finally {
    wipe(key);
    secrets.close();
  }
}

/** Every message id the UI was shown more than once. */
export function shownTwice(profile: Profile): string[] {
  return [...new Set(profile.shown.filter((id, index) => profile.shown.indexOf(id) !== index))];
}

export { waitFor };
