// Small user preferences as JSON values by name; the messenger validates what it reads.
import type { Db } from './database.js';

export class SettingsRepository {
  private readonly read;
  private readonly write;

  constructor(db: Db) {
    this.read = db.prepare<[string], string>('SELECT value FROM settings WHERE name = ?').pluck();
    this.write = db.prepare(
      'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    );
  }

  get(name: string): unknown {
    const value = this.read.get(name);
    return value === undefined ? undefined : JSON.parse(value);
  }

  set(name: string, value: unknown): void {
    this.write.run(name, JSON.stringify(value));
  }
}
