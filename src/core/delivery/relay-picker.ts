// Chooses the relays a message is deposited on. Each recipient account listens on its own
// inbox relays, so the choice is made per account and then grouped per relay: one deposit
// per relay carries the mailbox ids of every device that listens there.

export interface RelayRef {
  /** Normalised base URL, e.g. "https://relay.example:443". */
  readonly url: string;
}

export interface RecipientAccount<R extends RelayRef = RelayRef> {
  readonly accountId: string;
  /** The account's inbox relays and, per relay, the mailbox ids of its devices there. */
  readonly inboxes: ReadonlyArray<{ readonly relay: R; readonly mailboxIds: readonly string[] }>;
}

export interface PickOptions {
  /** The relay the user chose in the server picker, or undefined for automatic (random). */
  readonly preferredRelayUrl?: string | undefined;
  /** Copies per recipient on distinct relays, including the primary one (at least 1). */
  readonly redundancy: number;
  /** Uniform random integer in [0, bound); injectable so tests can check the distribution. */
  readonly randomInt: (bound: number) => number;
  /** Whether a relay is known to be unreachable right now; unknown relays count as up. */
  readonly isDown?: (url: string) => boolean;
}

export interface DepositPlan<R extends RelayRef = RelayRef> {
  readonly relay: R;
  readonly mailboxIds: readonly string[];
  /** Accounts for which this relay is the primary (first) copy. */
  readonly primaryFor: readonly string[];
}

export function planDeposits<R extends RelayRef>(
  recipients: ReadonlyArray<RecipientAccount<R>>,
  options: PickOptions,
): Array<DepositPlan<R>> {
  if (!Number.isInteger(options.redundancy) || options.redundancy < 1) {
    throw new RangeError(`redundancy must be a positive integer, got ${options.redundancy}`);
  }
  const plans = new Map<string, { relay: R; mailboxIds: Set<string>; primaryFor: string[] }>();
  for (const recipient of recipients) {
    const chosen = chooseInboxes(recipient.inboxes, options);
    chosen.forEach((inbox, index) => {
      const plan = plans.get(inbox.relay.url) ?? { relay: inbox.relay, mailboxIds: new Set<string>(), primaryFor: [] };
      for (const id of inbox.mailboxIds) plan.mailboxIds.add(id);
      if (index === 0) plan.primaryFor.push(recipient.accountId);
      plans.set(inbox.relay.url, plan);
    });
  }
  return [...plans.values()].map((plan) => ({ relay: plan.relay, mailboxIds: [...plan.mailboxIds], primaryFor: plan.primaryFor }));
}

/**
 * A copy on a relay known to be down does not count toward the redundancy: the random
 * choice skips such relays, and when too few are up the copy is queued on every other
 * relay of the recipient, so whichever comes back first delivers it.
 */
function chooseInboxes<T extends { readonly relay: RelayRef }>(inboxes: readonly T[], options: PickOptions): T[] {
  const isUp = (inbox: T) => !options.isDown?.(inbox.relay.url);
  const remaining = [...inboxes];
  const chosen: T[] = [];
  const preferred = remaining.findIndex((inbox) => inbox.relay.url === options.preferredRelayUrl);
  if (preferred >= 0) chosen.push(...remaining.splice(preferred, 1));
  let live = chosen.filter(isUp).length;
  for (let up = remaining.filter(isUp); live < options.redundancy && up.length > 0; live += 1) {
    const [pick] = up.splice(options.randomInt(up.length), 1);
    chosen.push(...remaining.splice(remaining.indexOf(pick!), 1));
  }
  if (live < options.redundancy) chosen.push(...remaining);
  return chosen;
}
