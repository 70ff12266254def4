// Every schema migration in order. Append new ones; never edit or reorder released ones.
import type { Migration } from '../migrate.js';
import { initialSchema } from './001-initial.js';
import { messengerSchema } from './002-messenger.js';
import { unreadIndex } from './003-unread-index.js';

export const MIGRATIONS: readonly Migration[] = [initialSchema, messengerSchema, unreadIndex];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;
