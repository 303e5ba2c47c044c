/**
 * The store is away (PostgreSQL stalled, refusing or dropping connections; SQLite locked by another process, its
 * disk full or its file read-only): nothing the caller asked for was done, or it is not known to be. Callers answer
 * "try again shortly" (a push: 503 with Retry-After; a command: a short line) instead of a generic failure.
 */
export class StoreUnavailable extends Error {
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(`the store is unavailable: ${reason}`, options);
    this.name = 'StoreUnavailable';
  }
}

/** How long a caller is asked to wait before trying again (a push's Retry-After, in seconds). */
export const STORE_RETRY_AFTER_S = 5;

/**
 * PostgreSQL SQLSTATEs that mean the server or the connection failed, not the statement: connection exceptions
 * (class 08), the server shutting down or refusing (57P0x), our statement timeout (57014), too many connections.
 */
const PG_UNAVAILABLE = /^(08|57P0[1-4]$|57014$|53300$|53400$)/;
/** Node's socket errors, and pg's own words for a connection that died, timed out or never came. */
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
const PG_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Client was closed|connection ended/i;
/** SQLite's "try again later" family: another process's lock, a full disk, a read-only file or failing I/O. */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|FULL|READONLY|IOERR|CANTOPEN)/;

/** The reason the store is away, when `err` (or one of its causes) says so; null for any other failure. */
export function storeUnavailableReason(err: unknown): string | null {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = (e as Error & { cause?: unknown }).cause, depth++) {
    if (e instanceof StoreUnavailable) return e.reason;
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === 'string' && (PG_UNAVAILABLE.test(code) || NET_CODES.has(code) || SQLITE_UNAVAILABLE.test(code))) {
      return `${code}: ${e.message}`;
    }
    if (PG_MESSAGES.test(e.message)) return e.message;
  }
  return null;
}

export function isStoreUnavailable(err: unknown): boolean {
  return storeUnavailableReason(err) !== null;
}
