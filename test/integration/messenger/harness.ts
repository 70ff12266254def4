// Messenger integration set-up: real relay processes, real profiles (SQLCipher files,
// keys in the real Secret Service started by scripts/with-secret-service.sh), and helpers
// to wait for what a user would see.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Messenger } from '../../../src/core/messenger/messenger.js';
import { inspectStore } from '../relay/harness.js';
import { spawnRelay, type RelayProcess } from '../../support/relay-process.js';
import { waitFor } from '../../support/wait.js';

export interface Profile {
  readonly name: string;
  readonly dir: string;
  readonly messenger: Messenger;
  readonly warnings: string[];
}

export class World {
  readonly relays: RelayProcess[] = [];
  readonly profiles: Profile[] = [];
  private root = '';

  async start(relayCount: number): Promise<void> {
    this.root = await mkdtemp(join(tmpdir(), 'aegees-messenger-'));
    this.relays.push(...(await Promise.all(Array.from({ length: relayCount }, () => spawnRelay()))));
  }

  /** A started profile with an account whose inbox relays are `inbox` (indexes into relays). */
  async profile(name: string, inbox: readonly number[]): Promise<Profile> {
    const dir = join(this.root, `${name}-${this.profiles.length}`);
    const warnings: string[] = [];
    const messenger = await Messenger.open({
      profileDir: dir,
      healthIntervalMs: 500,
      onWarning: (message, error) => warnings.push(`${message}${error instanceof Error ? `: ${error.message}` : ''}`),
    });
    for (const index of inbox) {
      const relay = this.relays[index]!;
      await messenger.addRelay(relay.url, { identityKey: relay.identityKey, inbox: true });
    }
    await messenger.createAccount(name);
    messenger.start();
    const profile = { name, dir, messenger, warnings };
    this.profiles.push(profile);
    return profile;
  }

  async stop(): Promise<void> {
    await Promise.all(this.profiles.map((profile) => profile.messenger.close()));
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

export { waitFor };
