// The command-line client: every messenger operation on a profile directory, for scripts
// and for people without a display. `npm run cli -- --profile DIR <command> …`; `--json`
// makes every command print one JSON document.
import { open } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { AegeesError, isAegeesError } from '../common/errors.js';
import { Messenger, type ConversationView, type MessageView, type RelayView } from '../core/messenger/messenger.js';
import { hex } from '../core/messenger/directory.js';

const USAGE = `usage: npm run cli -- --profile DIR [--json] <command> [arguments]

  init --name NAME [--relay URL[#KEYHEX]]...   create the account; relays become its inbox relays
  whoami | invite                              this account; its invite code (text, QR-ready)
  add-contact CODE | accept CONTACT | contacts | safety-number CONTACT
  relays [list] | relays add URL [--key HEX] [--inbox] | relays remove URL
  relays pick CONTACT|GROUP URL|auto           relay for sending in that conversation
  send CONTACT|GROUP TEXT [--attach FILE]... [--relay URL]
  history CONTACT|GROUP [--limit N] | search QUERY | conversations
  group create TITLE CONTACT... | group add GROUP CONTACT | group remove GROUP CONTACT
  devices | revoke DEVICE                      this account's devices (id prefix to revoke)
  link-device --name DEVICE_NAME               new device: print a code, wait until linked
  approve-link CODE                            existing device: link the device showing CODE
  export FILE | import FILE                    encrypted backup; passphrase from $AEGEES_PASSPHRASE or stdin
  sync [--seconds N]                           fetch what the relays hold, then exit
  watch                                        print incoming messages until interrupted

CONTACT is a display name, an account id or a unique prefix of one.`;

interface Parsed {
  profile: string;
  json: boolean;
  command: string;
  args: string[];
  values: Record<string, string | boolean | string[] | undefined>;
}

function parse(argv: string[]): Parsed {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      profile: { type: 'string' },
      json: { type: 'boolean', default: false },
      name: { type: 'string' },
      relay: { type: 'string', multiple: true },
      key: { type: 'string' },
      inbox: { type: 'boolean', default: false },
      attach: { type: 'string', multiple: true },
      limit: { type: 'string' },
      seconds: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || !command) throw new UsageError(USAGE);
  if (!values.profile) throw new UsageError('--profile DIR is required\n\n' + USAGE);
  return { profile: values.profile, json: values.json ?? false, command, args, values };
}

class UsageError extends Error {}

function need(args: string[], count: number, what: string): string[] {
  if (args.length < count) throw new UsageError(`missing ${what}\n\n${USAGE}`);
  return args;
}

/** Binary values print as hex; Buffer's own toJSON runs before a replacer sees it, hence the second case. */
function jsonValue(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return hex(value);
  const serialized = value as { type?: unknown; data?: unknown } | null;
  if (serialized?.type === 'Buffer' && Array.isArray(serialized.data)) return hex(Buffer.from(serialized.data as number[]));
  return value;
}

function print(json: boolean, value: unknown, text: () => string): void {
  console.log(json ? JSON.stringify(value, jsonValue, 2) : text());
}

function describeMessage(message: MessageView, names: Map<string, string>): string {
  const who = message.outgoing ? 'me' : (names.get(hex(message.senderAccountId)) ?? hex(message.senderAccountId).slice(0, 12));
  const time = new Date(message.sentAt).toISOString().replace('T', ' ').slice(0, 19);
  const status = message.outgoing
    ? ` [${message.readBy.length ? 'read' : message.deliveredTo.length ? 'delivered' : message.storedOn.length ? `stored on ${message.storedOn.join(', ')}` : message.state}]`
    : '';
  const files = message.attachments.map((a) => ` [file: ${a.name}, ${a.size} bytes]`).join('');
  return `${time} ${who}: ${message.body}${files}${status}`;
}

function describeRelay(relay: RelayView): string {
  const latency = relay.latencyMs === null ? '' : ` ${relay.latencyMs} ms`;
  return `${relay.url} ${relay.status}${latency}${relay.inbox ? ' inbox' : ''} key ${hex(relay.identityKey)}${relay.keyVerified ? ' (verified)' : ''}${relay.lastError ? ` — ${relay.lastError}` : ''}`;
}

/** A conversation by a contact's name or account id (prefix), or a group's title or id (prefix). */
function findConversation(messenger: Messenger, ref: string): ConversationView {
  const lowered = ref.toLowerCase();
  const matches = messenger
    .listConversations()
    .filter((c) => c.title.toLowerCase() === lowered || hex(c.id).startsWith(lowered) || c.memberAccountIds.some((id) => c.kind === 'direct' && hex(id).startsWith(lowered)));
  if (matches.length !== 1) {
    throw new AegeesError(matches.length ? 'INVALID_ARGUMENT' : 'NOT_FOUND', `${matches.length ? 'more than one' : 'no'} conversation matches "${ref}"`);
  }
  return matches[0]!;
}

function findContactId(messenger: Messenger, ref: string): Buffer {
  const lowered = ref.toLowerCase();
  const matches = messenger.contacts().filter((c) => c.displayName.toLowerCase() === lowered || hex(c.accountId).startsWith(lowered));
  if (matches.length !== 1) {
    throw new AegeesError(matches.length ? 'INVALID_ARGUMENT' : 'NOT_FOUND', `${matches.length ? 'more than one' : 'no'} contact matches "${ref}"`);
  }
  return Buffer.from(matches[0]!.accountId);
}

async function passphrase(): Promise<string> {
  if (process.env.AEGEES_PASSPHRASE) return process.env.AEGEES_PASSPHRASE;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (!line) throw new UsageError('give the backup passphrase in $AEGEES_PASSPHRASE or on standard input');
  return line;
}

/** Runs the engine until the outbox is empty (or the deadline passes), so a one-shot command has sent what it wrote. */
async function flush(messenger: Messenger, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  while (messenger.pendingDeposits() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  await messenger.idle();
  return messenger.pendingDeposits() === 0;
}

function names(messenger: Messenger): Map<string, string> {
  return new Map(messenger.contacts().map((c) => [hex(c.accountId), c.displayName]));
}

async function run(parsed: Parsed): Promise<void> {
  const { command, args, values, json } = parsed;
  if (command === 'import') {
    // A restore creates the profile, so it runs before (and instead of) opening one.
    const source = need(args, 1, 'backup file')[0]!;
    await Messenger.importBackup({ backupPath: source, passphrase: await passphrase(), profileDir: parsed.profile });
    print(json, { profile: parsed.profile }, () => `restored ${source} into ${parsed.profile}`);
    return;
  }
  const messenger = await Messenger.open({
    profileDir: parsed.profile,
    onWarning: (message, error) => console.error(`warning: ${message}${error instanceof Error ? `: ${error.message}` : ''}`),
  });
  const seconds = Number(values.seconds ?? 10);
  try {
    switch (command) {
      case 'init': {
        if (typeof values.name !== 'string') throw new UsageError('init needs --name NAME');
        for (const spec of (values.relay as string[] | undefined) ?? []) {
          const [url, key] = spec.split('#');
          await messenger.addRelay(url!, { inbox: true, ...(key ? { identityKey: Buffer.from(key, 'hex') } : {}) });
        }
        await messenger.createAccount(values.name);
        const me = messenger.whoami();
        print(json, me, () => `created account ${hex(me.accountId)} (${me.displayName})\ninvite code: ${messenger.inviteCode()}`);
        return;
      }
      case 'whoami': {
        const me = messenger.whoami();
        print(json, me, () => `${me.displayName}\naccount ${hex(me.accountId)}\ndevice  ${hex(me.deviceId)} (${me.deviceName})`);
        return;
      }
      case 'invite': {
        const code = messenger.inviteCode();
        print(json, { code }, () => code);
        return;
      }
      case 'add-contact': {
        messenger.start();
        const contact = await messenger.addContact(need(args, 1, 'invite code')[0]!);
        const sent = await flush(messenger, seconds);
        print(json, contact, () => `${contact.displayName}: ${contact.state}${sent ? '' : ' (request queued; it is sent the next time a relay answers)'}`);
        return;
      }
      case 'accept': {
        messenger.start();
        const contact = await messenger.acceptContact(findContactId(messenger, need(args, 1, 'contact')[0]!));
        await flush(messenger, seconds);
        print(json, contact, () => `${contact.displayName}: ${contact.state}`);
        return;
      }
      case 'contacts': {
        const contacts = messenger.contacts();
        print(json, contacts, () => contacts.map((c) => `${c.displayName} ${hex(c.accountId)} ${c.state}${c.verified ? ' verified' : ''}`).join('\n') || 'no contacts');
        return;
      }
      case 'safety-number': {
        const digits = messenger.safetyNumber(findContactId(messenger, need(args, 1, 'contact')[0]!));
        print(json, { digits }, () => digits.match(/.{1,5}/g)!.join(' '));
        return;
      }
      case 'relays': {
        const [sub = 'list', target, choice] = args;
        if (sub === 'add') {
          const relay = await messenger.addRelay(need(args, 2, 'relay URL')[1]!, {
            inbox: values.inbox === true,
            ...(typeof values.key === 'string' ? { identityKey: Buffer.from(values.key, 'hex') } : {}),
          });
          print(json, relay, () => `added ${describeRelay(relay)}`);
        } else if (sub === 'remove') {
          await messenger.removeRelay(need(args, 2, 'relay URL')[1]!);
          print(json, { removed: target }, () => `removed ${target}`);
        } else if (sub === 'pick') {
          need(args, 3, 'conversation and relay URL (or auto)');
          const conversation = messenger.setConversationRelay(findConversation(messenger, target!).id, choice === 'auto' ? null : choice!);
          print(json, conversation, () => `${conversation.title}: sending through ${conversation.sendRelayUrl ?? 'a random relay (automatic)'}`);
        } else if (sub === 'list') {
          messenger.start();
          await new Promise((resolve) => setTimeout(resolve, Math.min(seconds, 2) * 1000));
          const relays = messenger.listRelays();
          print(json, relays, () => relays.map(describeRelay).join('\n') || 'no relays');
        } else throw new UsageError(`unknown relays command ${sub}\n\n${USAGE}`);
        return;
      }
      case 'send': {
        need(args, 2, 'conversation and text');
        messenger.start();
        const conversation = findConversation(messenger, args[0]!);
        const files = await Promise.all(
          ((values.attach as string[] | undefined) ?? []).map(async (path) => ({ source: path, name: path.split('/').pop()!, mime: await guessMime(path) })),
        );
        const message = await messenger.sendMessage(conversation.id, {
          text: args.slice(1).join(' '),
          files,
          ...(typeof values.relay === 'object' && values.relay[0] ? { relayUrl: values.relay[0] } : {}),
        });
        const sent = await flush(messenger, seconds);
        const view = messenger.message(message.id);
        print(json, view, () => (sent ? describeMessage(view, names(messenger)) : `${describeMessage(view, names(messenger))}\n(queued: no relay took it yet; it is sent the next time the app runs)`));
        return;
      }
      case 'export': {
        const target = need(args, 1, 'backup file')[0]!;
        await messenger.exportBackup(target, await passphrase());
        print(json, { path: target }, () => `history exported to ${target}`);
        return;
      }
      case 'group': {
        const [sub, target, ...rest] = need(args, 2, 'group command');
        messenger.start();
        let group: ConversationView;
        if (sub === 'create') group = await messenger.createGroup(target!, rest.map((ref) => findContactId(messenger, ref)));
        else if (sub === 'add') group = await messenger.addGroupMember(findConversation(messenger, target!).id, findContactId(messenger, need(rest, 1, 'contact')[0]!));
        else if (sub === 'remove') group = await messenger.removeGroupMember(findConversation(messenger, target!).id, findContactId(messenger, need(rest, 1, 'contact')[0]!));
        else throw new UsageError(`unknown group command ${sub}\n\n${USAGE}`);
        await flush(messenger, seconds);
        print(json, group, () => `${group.title}: ${group.memberAccountIds.length} members`);
        return;
      }
      case 'devices': {
        const devices = messenger.devices();
        print(json, devices, () => devices.map((d) => `${hex(d.deviceId)} ${d.label}${d.current ? ' (this device)' : ''} linked ${new Date(d.linkedAt).toISOString()}`).join('\n'));
        return;
      }
      case 'revoke': {
        const prefix = need(args, 1, 'device id')[0]!.toLowerCase();
        const matches = messenger.devices().filter((d) => hex(d.deviceId).startsWith(prefix));
        if (matches.length !== 1) throw new AegeesError('NOT_FOUND', `${matches.length ? 'more than one' : 'no'} device matches "${prefix}"`);
        messenger.start();
        await messenger.revokeDevice(matches[0]!.deviceId);
        await flush(messenger, seconds);
        print(json, { revoked: matches[0]!.deviceId }, () => `revoked ${matches[0]!.label}`);
        return;
      }
      case 'link-device': {
        if (typeof values.name !== 'string') throw new UsageError('link-device needs --name DEVICE_NAME');
        messenger.start();
        const code = await messenger.beginDeviceLink(values.name);
        console.error('enter this code on a device of the account (approve-link), then wait:');
        print(json, { code }, () => code);
        await new Promise<void>((resolve) => {
          if (messenger.hasAccount) resolve();
          messenger.on('profileChanged', () => messenger.hasAccount && resolve());
        });
        const me = messenger.whoami();
        print(json, me, () => `linked to ${me.displayName} (${hex(me.accountId)})`);
        return;
      }
      case 'approve-link': {
        messenger.start();
        const device = await messenger.approveDeviceLink(need(args, 1, 'link code')[0]!);
        await flush(messenger, seconds);
        print(json, device, () => `linked ${device.label} (${hex(device.deviceId)})`);
        return;
      }
      case 'conversations': {
        const conversations = messenger.listConversations();
        print(json, conversations, () => conversations.map((c) => `${c.title} (${c.kind}) ${c.unreadCount} unread`).join('\n') || 'no conversations');
        return;
      }
      case 'history': {
        const conversation = findConversation(messenger, need(args, 1, 'conversation')[0]!);
        const page = messenger.history(conversation.id, { limit: Number(values.limit ?? 50) });
        const known = names(messenger);
        print(json, page, () => page.messages.map((m) => describeMessage(m, known)).join('\n') || 'no messages');
        return;
      }
      case 'search': {
        const hits = messenger.search(need(args, 1, 'query').join(' '), Number(values.limit ?? 20));
        const known = names(messenger);
        print(json, hits, () => hits.map((hit) => describeMessage(messenger.message(hit.message.id), known)).join('\n') || 'no matches');
        return;
      }
      case 'sync': {
        messenger.start();
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        await flush(messenger, seconds);
        const conversations = messenger.listConversations();
        print(json, conversations, () => conversations.map((c) => `${c.title}: ${c.unreadCount} unread`).join('\n') || 'no conversations');
        return;
      }
      case 'watch': {
        const known = names(messenger);
        messenger.on('messageAdded', (message) => {
          if (!message.outgoing) print(json, message, () => describeMessage(message, known));
        });
        messenger.on('contactsChanged', () => {
          for (const contact of messenger.contacts()) known.set(hex(contact.accountId), contact.displayName);
        });
        messenger.start();
        console.error('watching; Ctrl+C to stop');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        return;
      }
      default:
        throw new UsageError(`unknown command ${command}\n\n${USAGE}`);
    }
  } finally {
    await messenger.close();
  }
}

/** The type of a few common files by their first bytes; anything else is sent as opaque bytes. */
async function guessMime(path: string): Promise<string> {
  const file = await open(path, 'r');
  const head = Buffer.alloc(8);
  try {
    await file.read(head, 0, 8, 0);
  } finally {
    await file.close();
  }
  if (head.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]))) return 'image/png';
  if (head.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))) return 'image/jpeg';
  if (head.subarray(0, 4).toString('latin1') === '%PDF') return 'application/pdf';
  return 'application/octet-stream';
}

async function main(): Promise<void> {
  let parsed: Parsed;
  try {
    parsed = parse(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
  try {
    await run(parsed);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exit(2);
    }
    const message = isAegeesError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
    if (parsed.json) console.log(JSON.stringify({ error: isAegeesError(error) ? { code: error.code, message: error.message } : { code: 'INTERNAL', message } }));
    else console.error(`error: ${message}`);
    process.exit(1);
  }
}

await main();
