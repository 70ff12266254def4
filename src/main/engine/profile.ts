// The profile the engine process serves, or why it could not be opened. Like the browser
// target's session (src/host/app.ts), a profile that cannot be opened (no keychain, a
// damaged store) still answers: getProfileStatus says why, and asking again retries.
// Restoring a backup needs that session's swap of profile folders, which src/host does
// not export yet; until it does, importBackup answers NOT_FOUND here.
import { EventEmitter } from 'node:events';
import type { ApiHandlers, MethodArgs, MethodName, ProfileStatus } from '../../common/api/contract.js';
import { EVENT_NAMES, METHOD_NAMES } from '../../common/api/transport.js';
import { AegeesError, isAegeesError } from '../../common/errors.js';
import { createApiEvents, createApiHandlers, profileStatus, type ApiEvents } from '../../core/messenger/api.js';
import { Messenger, type MessengerOptions } from '../../core/messenger/messenger.js';
import { keychainHint } from '../../host/app.js';
import type { EngineService, LinkLog } from '../engine-link.js';

export interface EngineProfileOptions {
  readonly profileDir: string;
  readonly engine?: Omit<MessengerOptions, 'profileDir'>;
  /** Runs once the profile is open, before the engine connects; a failure is logged and the profile still serves. */
  readonly prepare?: (messenger: Messenger) => Promise<void>;
  readonly log: LinkLog;
}

export class EngineProfile implements EngineService {
  readonly events = new EventEmitter();
  readonly handlers: ApiHandlers;
  private messenger: Messenger | undefined;
  private engineHandlers: ApiHandlers | undefined;
  private engineEvents: ApiEvents | undefined;
  private problem: unknown;
  private opening: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: EngineProfileOptions) {
    const entries = METHOD_NAMES.map((name) => [name, (args: MethodArgs<typeof name>) => this.call(name, args)]);
    this.handlers = Object.fromEntries(entries) as ApiHandlers;
  }

  /** Opens the profile unless it is open; a failure is kept for getProfileStatus, not thrown. */
  open(): Promise<void> {
    if (this.messenger || this.closed) return Promise.resolve();
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
      this.options.log('profile did not open', { code: isAegeesError(error) ? error.code : 'INTERNAL', error: errorText(error) });
      return;
    }
    if (this.closed) return messenger.close();
    try {
      await this.options.prepare?.(messenger);
    } catch (error) {
      this.options.log('preparing the profile failed', { error: errorText(error) });
    }
    this.problem = undefined;
    this.messenger = messenger;
    this.engineHandlers = createApiHandlers(messenger, { onProgress: (report) => this.events.emit('progress', report) });
    const engineEvents = createApiEvents(messenger, (event, error) => this.options.log('event dropped', { event, error: errorText(error) }));
    for (const event of EVENT_NAMES) engineEvents.on(event, (payload) => this.events.emit(event, payload));
    this.engineEvents = engineEvents;
    messenger.start();
    this.events.emit('profileChanged', profileStatus(messenger));
  }

  private async call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<unknown> {
    // Calls that arrive while the profile opens wait for it rather than fail.
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

  /** Stops the engine: relay connections closed, outbox worker stopped, database closed. */
  async close(): Promise<void> {
    this.closed = true;
    await this.opening;
    this.engineEvents?.close();
    this.engineEvents = undefined;
    this.engineHandlers = undefined;
    const messenger = this.messenger;
    this.messenger = undefined;
    await messenger?.close();
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

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
