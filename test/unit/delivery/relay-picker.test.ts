import { describe, expect, it } from 'vitest';
import { planDeposits, type RecipientAccount } from '../../../src/core/delivery/relay-picker.js';

const relay = (name: string) => ({ url: `https://${name}.test` });

function account(id: string, relays: string[]): RecipientAccount {
  return { accountId: id, inboxes: relays.map((name) => ({ relay: relay(name), mailboxIds: [`${id}@${name}`] })) };
}

const first = () => 0;

describe('planDeposits', () => {
  it('uses the preferred relay as the primary copy and fills backups on distinct relays', () => {
    const plans = planDeposits([account('bob', ['a', 'b', 'c'])], {
      preferredRelayUrl: 'https://c.test',
      redundancy: 2,
      randomInt: first,
    });
    expect(plans.map((p) => p.relay.url)).toEqual(['https://c.test', 'https://a.test']);
    expect(plans[0]!.primaryFor).toEqual(['bob']);
    expect(plans[1]!.primaryFor).toEqual([]);
  });

  it('falls back to random choice for a recipient that does not listen on the preferred relay', () => {
    const plans = planDeposits([account('bob', ['a', 'b']), account('carol', ['b', 'x'])], {
      preferredRelayUrl: 'https://x.test',
      redundancy: 1,
      randomInt: (bound) => bound - 1,
    });
    expect(plans.map((p) => [p.relay.url, p.mailboxIds])).toEqual([
      ['https://b.test', ['bob@b']],
      ['https://x.test', ['carol@x']],
    ]);
  });

  it('groups recipients sharing a relay into one deposit', () => {
    const plans = planDeposits([account('bob', ['a']), account('carol', ['a'])], { redundancy: 2, randomInt: first });
    expect(plans).toHaveLength(1);
    expect(plans[0]!.mailboxIds).toEqual(['bob@a', 'carol@a']);
    expect(plans[0]!.primaryFor).toEqual(['bob', 'carol']);
  });

  it('never stores two copies for one recipient on the same relay, even with redundancy above the relay count', () => {
    const plans = planDeposits([account('bob', ['a', 'b'])], { redundancy: 5, randomInt: first });
    expect(plans.map((p) => p.relay.url).sort()).toEqual(['https://a.test', 'https://b.test']);
  });

  it('spreads automatic choices over every inbox relay', () => {
    const counts = new Map<string, number>();
    let seed = 7;
    const lcg = (bound: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % bound;
    };
    for (let i = 0; i < 3000; i++) {
      const [primary] = planDeposits([account('bob', ['a', 'b', 'c'])], { redundancy: 1, randomInt: lcg });
      counts.set(primary!.relay.url, (counts.get(primary!.relay.url) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['https://a.test', 'https://b.test', 'https://c.test']);
    for (const count of counts.values()) expect(count).toBeGreaterThan(800);
  });

  it('does not count a copy on a relay known to be down, and picks the live relays instead', () => {
    const isDown = (url: string) => url === 'https://a.test';
    for (let pick = 0; pick < 3; pick++) {
      const plans = planDeposits([account('bob', ['a', 'b', 'c'])], { redundancy: 2, randomInt: () => pick % 2, isDown });
      expect(plans.map((p) => p.relay.url).sort()).toEqual(['https://b.test', 'https://c.test']);
    }
  });

  it('queues on every relay of a recipient when too few of them are up, so any one coming back delivers', () => {
    const allDown = planDeposits([account('bob', ['a', 'b', 'c'])], { redundancy: 2, randomInt: first, isDown: () => true });
    expect(allDown.map((p) => p.relay.url).sort()).toEqual(['https://a.test', 'https://b.test', 'https://c.test']);
    expect(allDown[0]!.primaryFor).toEqual(['bob']);
    const oneUp = planDeposits([account('bob', ['a', 'b', 'c'])], { redundancy: 2, randomInt: first, isDown: (url) => url !== 'https://c.test' });
    expect(oneUp.map((p) => p.relay.url)).toEqual(['https://c.test', 'https://a.test', 'https://b.test']);
  });

  it('keeps a preferred relay that is down, but adds live backups as if it were not there', () => {
    const plans = planDeposits([account('bob', ['a', 'b', 'c'])], {
      preferredRelayUrl: 'https://a.test',
      redundancy: 2,
      randomInt: first,
      isDown: (url) => url === 'https://a.test',
    });
    expect(plans.map((p) => p.relay.url)).toEqual(['https://a.test', 'https://b.test', 'https://c.test']);
  });

  it('rejects a redundancy that is not a positive integer', () => {
    expect(() => planDeposits([], { redundancy: 0, randomInt: first })).toThrow(RangeError);
  });
});
