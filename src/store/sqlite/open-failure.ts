import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StoreBusyError } from './file-lock.js';

/** A database that cannot be opened, said with its path and what to change. */
export class StoreOpenError extends Error {}

/**
 * Rewrites a failure to open the SQLite file ("unable to open database file", EACCES, ENOTDIR) into one sentence
 * naming the file and the variables that place it. Other errors pass through unchanged.
 */
export function describeOpenFailure(databasePath: string, err: unknown): unknown {
  if (err instanceof StoreBusyError) return err;
  const code = (err as { code?: string }).code ?? '';
  const message = (err as Error)?.message ?? '';
  const fileProblem = /^(EACCES|EPERM|EROFS|ENOTDIR|EISDIR|EEXIST|ENOENT)$/.test(code) ||
    /^SQLITE_(CANTOPEN|READONLY|PERM|IOERR)/.test(code) || /unable to open database file|readonly database/i.test(message);
  if (!fileProblem) return err;
  const file = resolve(databasePath);
  return new StoreOpenError(`cannot open the database ${file}: ${reason(file)}; set DATA_DIR (or DATABASE_PATH) to a writable place`, { cause: err });
}

function reason(file: string): string {
  if (existsSync(file) && statSync(file).isDirectory()) return 'that path is a folder';
  // The nearest folder that exists says why: a file in the way, or no write permission.
  let dir = dirname(file);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  if (!statSync(dir).isDirectory()) return `${dir} is a file, not a folder`;
  const target = existsSync(file) ? file : dir;
  try {
    accessSync(target, constants.W_OK);
  } catch {
    return `${target} is not writable`;
  }
  return 'the file or its folder is not writable, or the disk is full';
}
