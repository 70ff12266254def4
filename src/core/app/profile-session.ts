// One profile directory opened with the messenger engine and served through the API
// contract, for whichever process hosts it: the browser target's web host (src/host/app.ts)
// and the Electron engine process (src/main/engine/entry.ts). It lives in core, not in
// src/host, because it is engine-side code that both hosts run, and core is the layer the
// engine process may import. A profile that cannot be opened (no keychain, a damaged
// store) still answers: getProfileStatus says why, and asking again retries.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AccountSummary, ApiHandlers, MethodArgs, MethodName, ProfileStatus } from '../../common/api/contract.js';
import { EVENT_NAMES, METHOD_NAMES } from '../../common/api/transport.js';
import { AegeesError, isAegeesError } from '../../common/errors.js';
import { openSecretStore } from '../keychain/open.js';
import { createApiEvents, createApiHandlers, profileStatus, type ApiEvents } from '../messenger/api.js';
import { ACCOUNT_SECRET, DEVICE_SECRET } from '../messenger/identity.js';
import { Messenger, type MessengerOptions } from '../messenger/messenger.js';
import { DATABASE_KEY_SECRET } from '../store/open.js';

export type SessionLog = (message: string, fields?: Record<string, unknown>) => void;

export interface ProfileSessionOptions {
  readonly profileDir: string;
  readonly engine?: Omit<MessengerOptions, 'profileDir'>;
  /**
   * Runs each time the profile opens (also after a restored backup replaced it), before
   * the engine connects, e.g. to put a relay in an empty roster. A failure is logged and
   * the profile still serves.
   */
  readonly prepare?: (messenger: Messenger) => Promise<void>;
  /** Opens an https address in the system browser; without it the UI is told links cannot be opened here. */
  readonly openExternal?: (url: string) => Promise<void>;
  readonly log?: SessionLog;
}

/** What the UI shows when the OS keychain cannot be reached, per platform, in plain words. */
export function keychainHint(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'Sign in to your Mac in a normal desktop session and unlock the login keychain (open Keychain Access; if it asks, enter your login password). Then choose Try again.';
    case 'win32':
      return 'Run Aegees from your own Windows account in a normal desktop session, so that Windows Credential Manager is available. Then choose Try again.';
    default:
      return 'Aegees needs a Secret Service keychain. Install one (on Debian or Ubuntu: sudo apt install gnome-keyring; KeePassXC with its Secret Service integration also works), make sure it runs and is unlocked in your desktop session, then choose Try again. Without a desktop session, start Aegees inside one, for example with dbus-run-session.';
  }
}

function keychainStatus(error: AegeesError): ProfileStatus {
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return {
    kind: 'keychain-unavailable',
    message: `Aegees could not reach the keychain of this computer${cause ? `: ${cause}` : '.'}`,
    hint: keychainHint(process.platform),
  };
}

/** The open profile, or why it is not open; opening again is how the UI retries. */
export class ProfileSession {
  readonly events = new EventEmitter();
  /** Every contract method; before the profile is open they report why it is not. */
  readonly handlers: ApiHandlers;
  private current: Messenger | undefined;
  private engineEvents: ApiEvents | undefined;
  private engineHandlers: ApiHandlers | undefined;
  private problem: unknown;
  private opening: Promise<void> | undefined;
  /** While a restored profile replaces this one, calls wait instead of reaching a closed engine. */
  private swapping: Promise<void> | undefined;
  private restoring = false;
  private closed = false;
  private readonly log: SessionLog;

  constructor(private readonly options: ProfileSessionOptions) {
    this.log = options.log ?? (() => {});
    const entries = METHOD_NAMES.map((name) => [name, (args: MethodArgs<typeof name>) => this.call(name, args)]);
    this.handlers = Object.fromEntries(entries) as ApiHandlers;
  }

  /** The engine, once the profile is open. */
  get messenger(): Messenger | undefined {
    return this.current;
  }

  /** Opens the profile unless it is open; a failure is kept for the UI, not thrown. */
  open(): Promise<void> {
    if (this.current || this.closed) return Promise.resolve();
    this.opening ??= this.tryOpen().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async tryOpen(): Promise<void> {
    let messenger: Messenger;
    try {
      messenger = await Messenger.open({ ...this.options.engine, profileDir: this.options.profileDir });
    } catch (error) {
      this.problem = error;
      this.log('profile did not open', { code: isAegeesError(error) ? error.code : 'INTERNAL', error: errorText(error) });
      return;
    }
    if (this.closed) return messenger.close();
    try {
      await this.options.prepare?.(messenger);
    } catch (error) {
      this.log('preparing the profile failed', { error: errorText(error) });
    }
    this.problem = undefined;
    this.current = messenger;
    this.engineHandlers = createApiHandlers(messenger, {
      ...(this.options.openExternal ? { openExternal: this.options.openExternal } : {}),
      importBackup: (path, passphrase, onProgress) => this.restore(path, passphrase, onProgress),
      onProgress: (report) => this.events.emit('progress', report),
    });
    const engineEvents = createApiEvents(messenger, (event, error) => this.log('event dropped', { event, error: errorText(error) }));
    for (const event of EVENT_NAMES) engineEvents.on(event, (payload) => this.events.emit(event, payload));
    // Attachment transfers report like backups do: the engine throttles, the session forwards.
    messenger.on('transferProgress', (report) => this.events.emit('progress', report));
    this.engineEvents = engineEvents;
    messenger.start();
    this.events.emit('profileChanged', profileStatus(messenger));
  }

  private async call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<unknown> {
    while (this.swapping) await this.swapping;
    // A host may take calls before the first open has finished; they wait for it rather than fail.
    await this.opening;
    if (!this.engineHandlers && method === 'getProfileStatus') await this.open();
    if (!this.engineHandlers) {
      if (isAegeesError(this.problem, 'KEYCHAIN_UNAVAILABLE')) {
        if (method === 'getProfileStatus') return keychainStatus(this.problem);
        throw this.problem;
      }
      throw isAegeesError(this.problem) ? this.problem : new AegeesError('INTERNAL', 'the profile could not be opened');
    }
    const handler = this.engineHandlers[method] as (input: MethodArgs<M>) => Promise<unknown>;
    return handler(args);
  }

  /**
   * Restores a backup in place of the open profile, which has no account (the adapter
   * checks). The backup is restored into a sibling folder first, so a wrong passphrase or
   * a damaged file changes nothing; only a complete restore replaces the profile, whose
   * keys are then removed from the keychain.
   */
  private async restore(path: string, passphrase: string, onProgress: (done: number, total: number) => void): Promise<AccountSummary> {
    if (this.restoring) throw new AegeesError('INVALID_ARGUMENT', 'a backup is already being restored');
    this.restoring = true;
    const profileDir = resolve(this.options.profileDir);
    const suffix = randomBytes(6).toString('hex');
    const staging = `${profileDir}.restoring-${suffix}`;
    const secretStoreOptions = this.options.engine?.secretStore;
    try {
      await Messenger.importBackup({ backupPath: path, passphrase, profileDir: staging, onProgress, ...(secretStoreOptions ? { secretStoreOptions } : {}) });
      let swapped!: () => void;
      this.swapping = new Promise<void>((done) => (swapped = done));
      try {
        await this.detach();
        const retired = `${profileDir}.replaced-${suffix}`;
        await rename(profileDir, retired);
        try {
          await rename(staging, profileDir);
        } catch (error) {
          await rename(retired, profileDir);
          throw error;
        }
        await forgetProfile(retired, secretStoreOptions, this.log);
        await this.open();
      } finally {
        this.swapping = undefined;
        swapped();
      }
      const status = this.current ? profileStatus(this.current) : undefined;
      if (status?.kind !== 'ready') throw isAegeesError(this.problem) ? this.problem : new AegeesError('INTERNAL', 'the restored profile did not open');
      return status.me;
    } finally {
      this.restoring = false;
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Stops the engine and lets go of its events; the session then has no open profile. */
  private async detach(): Promise<void> {
    this.engineEvents?.close();
    this.engineEvents = undefined;
    this.engineHandlers = undefined;
    const messenger = this.current;
    this.current = undefined;
    await messenger?.close();
  }

  /** Stops the engine: relay connections closed, outbox worker stopped, database closed. */
  async close(): Promise<void> {
    this.closed = true;
    await this.opening;
    await this.detach();
  }
}

/** Removes a replaced profile: its keys in the keychain, then its folder. */
async function forgetProfile(dir: string, secretStoreOptions: MessengerOptions['secretStore'], log: SessionLog): Promise<void> {
  try {
    const secrets = await openSecretStore(dir, secretStoreOptions);
    try {
      for (const name of [DATABASE_KEY_SECRET, DEVICE_SECRET, ACCOUNT_SECRET]) await secrets.delete(name);
    } finally {
      secrets.close();
    }
  } catch (error) {
    log('keys of the replaced profile stay in the keychain', { dir, error: errorText(error) });
  }
  await rm(dir, { recursive: true, force: true });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
