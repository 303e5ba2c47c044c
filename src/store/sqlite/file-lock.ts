import Database from 'better-sqlite3';

/** Thrown when another process holds the SQLite file: SQLite is Newsdesk's store for one process. */
export class StoreBusyError extends Error {}

/**
 * Holds `<database>.lock` for the life of the process: a small SQLite file in exclusive locking mode, so the
 * operating system's lock (released when the process ends, however it ends) says whether another Newsdesk runs
 * on the same database. The database itself stays readable by tools while the bot runs.
 */
export function lockDatabaseFile(databasePath: string): { release(): void } {
  const lockPath = `${databasePath}.lock`;
  const db = new Database(lockPath, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new StoreBusyError(
        `another Newsdesk process is using ${databasePath}; stop it first, or set DATABASE_URL to a PostgreSQL database to run several instances`,
      );
    }
    throw err;
  }
  return { release: () => db.close() };
}
