/** The store's public surface: the port, its errors, and how to open one from DATABASE_URL. */

export { MigrationError } from './migrations/runner.js';
export { DEFAULT_DATABASE_URL, openStore, parseDatabaseUrl, redactDatabaseUrl } from './open.js';
export * from './port.js';
