import { randomBytes } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { ActionStateStore } from '../types.js';

const WEEK_MS = 7 * 86_400_000;
/** Expired rows are swept on every Nth put rather than by a timer: nothing to stop at shutdown. */
const SWEEP_EVERY = 100;
/** A state that big is a bug upstream, not something to keep for a week. */
const MAX_STATE_BYTES = 16_384;

/**
 * Button state that does not fit in Discord's 100-character custom_id: stored under a short random key
 * (12 URL-safe characters) for a week.
 */
export class SqliteActionStateStore implements ActionStateStore {
  private readonly insert: Statement;
  private readonly select: Statement;
  private readonly sweep: Statement;
  private puts = 0;

  constructor(db: Database, private readonly opts: { ttlMs?: number; now: () => number }) {
    this.insert = db.prepare('INSERT INTO action_state (key, state, expires_ms) VALUES (?, ?, ?)');
    this.select = db.prepare('SELECT state FROM action_state WHERE key = ? AND expires_ms > ?');
    this.sweep = db.prepare('DELETE FROM action_state WHERE expires_ms <= ?');
  }

  async put(state: unknown): Promise<string> {
    const json = JSON.stringify(state ?? null);
    if (Buffer.byteLength(json) > MAX_STATE_BYTES) throw new Error(`action state too large (${json.length} characters)`);
    const now = this.clock();
    if (++this.puts % SWEEP_EVERY === 0) this.sweep.run(now);
    const key = randomBytes(9).toString('base64url');
    this.insert.run(key, json, now + (this.opts.ttlMs ?? WEEK_MS));
    return key;
  }

  async get(key: string): Promise<unknown | null> {
    if (typeof key !== 'string' || key.length === 0 || key.length > 64) return null;
    const row = this.select.get(key, this.clock()) as { state: string } | undefined;
    if (!row) return null;
    try {
      return JSON.parse(row.state);
    } catch {
      return null;
    }
  }

  private clock(): number {
    return this.opts.now();
  }
}
