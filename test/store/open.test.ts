import { describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, redactDatabaseUrl } from '../../src/store/open.js';
import { StoreUrlError } from '../../src/store/port.js';

describe('DATABASE_URL', () => {
  it.each([
    ['sqlite:./data/bot.db', { kind: 'sqlite', path: './data/bot.db' }],
    ['sqlite:/var/lib/bot/state.db', { kind: 'sqlite', path: '/var/lib/bot/state.db' }],
    ['sqlite:///var/lib/bot/state.db', { kind: 'sqlite', path: '/var/lib/bot/state.db' }],
    ['sqlite:', { kind: 'sqlite', path: './data/snapshot-copy.db' }],
    [DEFAULT_DATABASE_URL, { kind: 'sqlite', path: './data/snapshot-copy.db' }],
    ['postgres://bot:pw@db:5432/bot', { kind: 'postgres', url: 'postgres://bot:pw@db:5432/bot' }],
    ['postgresql://db/bot?sslmode=require', { kind: 'postgres', url: 'postgresql://db/bot?sslmode=require' }],
  ])('reads %s', (url, target) => {
    expect(parseDatabaseUrl(url)).toEqual(target);
  });

  it.each([
    ['mysql://bot:secret@db/bot', /not supported: use sqlite:<path>.*or postgres:\/\//],
    ['', /DATABASE_URL is empty/],
    ['./data/bot.db', /not supported/],
    ['postgres://bot:secret@:5432/bot', /is not a valid URL/],
  ])('refuses %j with a message that says what works', (url, message) => {
    expect(() => parseDatabaseUrl(url)).toThrow(StoreUrlError);
    expect(() => parseDatabaseUrl(url)).toThrow(message);
  });

  it('never repeats a password in its errors', () => {
    expect(() => parseDatabaseUrl('mysql://bot:secret@db/bot')).not.toThrow(/secret/);
    expect(redactDatabaseUrl('postgres://bot:s3cr%40t@db:5432/bot')).toBe('postgres://bot:***@db:5432/bot');
    expect(redactDatabaseUrl('postgres://db/bot')).toBe('postgres://db/bot');
  });
});
