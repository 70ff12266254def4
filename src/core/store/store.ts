// A profile's open local store: the repositories over one encrypted connection. Calls are
// synchronous (better-sqlite3), and every write is durable when the call returns.
import { AegeesError } from '../../common/errors.js';
import { ContactRepository } from './contacts.js';
import { ConversationRepository } from './conversations.js';
import type { Db } from './database.js';
import { IdentityRepository } from './identity.js';
import { MessageRepository } from './messages.js';
import { schemaVersion } from './migrate.js';
import { OutboxRepository } from './outbox.js';
import { RosterRepository } from './roster.js';
import { SeenRepository } from './seen.js';
import { SettingsRepository } from './settings.js';
import { storeError } from './sqlite-errors.js';

export class Store {
  readonly contacts: ContactRepository;
  readonly conversations: ConversationRepository;
  readonly seen: SeenRepository;
  readonly messages: MessageRepository;
  readonly outbox: OutboxRepository;
  readonly roster: RosterRepository;
  readonly identity: IdentityRepository;
  readonly settings: SettingsRepository;

  /** `db` must be open, keyed and migrated to the latest schema. */
  constructor(private readonly db: Db) {
    try {
      this.contacts = new ContactRepository(db);
      this.conversations = new ConversationRepository(db);
      this.seen = new SeenRepository(db);
      this.messages = new MessageRepository(db, this.seen);
      this.outbox = new OutboxRepository(db);
      this.roster = new RosterRepository(db);
      this.identity = new IdentityRepository(db);
      this.settings = new SettingsRepository(db);
    } catch (error) {
      // Damage in the schema or the FTS index shows as a generic error while preparing
      // statements; telling it from a bug needs a look at the pages.
      const mapped = storeError(error, db.name);
      if (mapped !== error || this.integrityProblems().length === 0) throw mapped;
      throw new AegeesError('STORE_CORRUPT', `the local database ${db.name} is damaged (${(error as Error).message})`, { cause: error });
    }
  }

  get schemaVersion(): number {
    return schemaVersion(this.db);
  }

  /** Runs `work` as one transaction across repositories (nested calls become savepoints). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  /**
   * Reads and authenticates every page (opening reads only what it needs, so damage
   * elsewhere shows only when that page is read); throws STORE_CORRUPT if any is damaged.
   * Takes time in proportion to the database size.
   */
  verifyIntegrity(): void {
    const problems = this.integrityProblems();
    if (problems.length > 0) {
      throw new AegeesError('STORE_CORRUPT', `the local database ${this.db.name} is damaged: ${problems.slice(0, 5).join('; ')}`);
    }
  }

  close(): void {
    this.db.close();
  }

  private integrityProblems(): string[] {
    let rows: Array<{ quick_check: string }>;
    try {
      rows = this.db.pragma('quick_check') as Array<{ quick_check: string }>;
    } catch (error) {
      throw storeError(error, this.db.name);
    }
    const problems = rows.map((row) => row.quick_check);
    return problems.length === 1 && problems[0] === 'ok' ? [] : problems;
  }
}
