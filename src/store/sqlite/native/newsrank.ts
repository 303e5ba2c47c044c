import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { logger } from '../../../log.js';

/**
 * Loads newsrank.c (bm25 with the idf handed in, see there) into a connection, compiling it on first use with
 * the system C compiler against the SQLite headers better-sqlite3 ships (the same compiler its own install
 * needs). The library is cached under node_modules/.cache by a hash of the source. Without a compiler the
 * store still works: it ranks with FTS5's bm25(), the same formula, slower on common words (one warning).
 */
const SOURCE = join(import.meta.dirname, 'newsrank.c');
let built: string | null | undefined;

export function loadNewsrank(db: Database): boolean {
  if (process.env.NEWSDESK_NO_NATIVE_RANK === '1') return false;
  const lib = library();
  if (!lib) return false;
  try {
    // better-sqlite3 takes the entry point as a second argument (its typings lag behind).
    (db.loadExtension as (path: string, entryPoint: string) => Database)(lib, 'sqlite3_newsrank_init');
    return true;
  } catch (err) {
    logger.warn({ err }, 'search: newsrank could not be loaded; ranking with bm25()');
    return false;
  }
}

function library(): string | null {
  if (built !== undefined) return built;
  try {
    const source = readFileSync(SOURCE);
    const hash = createHash('sha256').update(source).update(process.platform).update(process.arch).digest('hex').slice(0, 16);
    const require = createRequire(import.meta.url);
    const headers = join(dirname(require.resolve('better-sqlite3/package.json')), 'deps', 'sqlite3');
    const dir = join(dirname(require.resolve('better-sqlite3/package.json')), '..', '.cache', 'newsdesk');
    const out = join(dir, `newsrank-${hash}.${process.platform === 'darwin' ? 'dylib' : 'so'}`);
    if (!existsSync(out)) {
      mkdirSync(dir, { recursive: true });
      // Built under a private name and renamed: parallel test workers may build at the same moment.
      const tmp = `${out}.${process.pid}.tmp`;
      try {
        execFileSync(process.env.CC || 'cc', ['-O2', '-shared', '-fPIC', '-I', headers, SOURCE, '-o', tmp], { stdio: 'pipe', timeout: 60_000 });
        renameSync(tmp, out);
      } finally {
        rmSync(tmp, { force: true });
      }
    }
    built = out;
  } catch (err) {
    logger.warn({ err: String((err as Error).message).slice(0, 500) }, 'search: newsrank could not be built; ranking with bm25()');
    built = null;
  }
  return built;
}
