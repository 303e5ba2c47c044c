import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/sqlite/db.js';
import { migrations, type Migration } from '../../src/store/sqlite/migrations.js';

const dirs: string[] = [];
const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-db-'));
  dirs.push(dir);
  return join(dir, 'nested', 'x.db');
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('openDatabase', () => {
  it('creates the parent dir, uses WAL, 16 KB pages, foreign keys and a short busy timeout', () => {
    const db = openDatabase(tempFile());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('page_size', { simple: true })).toBe(16384);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    // Waiting inside the driver holds the event loop: tens of milliseconds at most (the rest is waited in tx.ts).
    const busy = db.pragma('busy_timeout', { simple: true }) as number;
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBeLessThanOrEqual(50);
    db.close();
  });

  it('applies each migration once, in order, and records it', () => {
    const file = tempFile();
    const seen: string[] = [];
    const extra: Migration[] = [
      ...migrations,
      { id: '200-test', up: (db) => { seen.push('200'); db.exec('CREATE TABLE t200 (x INTEGER)'); } },
    ];
    openDatabase(file, { migrations: extra }).close();
    const db = openDatabase(file, { migrations: extra });
    expect(seen).toEqual(['200']);
    const ids = (db.prepare('SELECT id FROM schema_migrations ORDER BY rowid').all() as Array<{ id: string }>).map((r) => r.id);
    expect(ids).toEqual(extra.map((m) => m.id));
    db.close();
  });

  it('rolls a failing migration back and names it', () => {
    const file = tempFile();
    const bad: Migration[] = [
      ...migrations,
      { id: '201-broken', up: (db) => { db.exec('CREATE TABLE half (x)'); throw new Error('boom'); } },
    ];
    expect(() => openDatabase(file, { migrations: bad })).toThrow(/201-broken failed: boom/);
    const db = openDatabase(file);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('works in memory for tests', () => {
    const db = openDatabase(':memory:');
    expect(db.prepare('SELECT count(*) AS n FROM articles').get()).toEqual({ n: 0 });
    db.close();
  });
});
