import { EmbargoRefused } from '../domain/article.js';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { logger as rootLogger, type Logger } from '../log.js';
import type { ArticleInput } from '../domain/article.js';
import type { ArticleStore, UpsertResult } from '../store/types.js';
import { ArticleFileError, isArticleFile, parseArticleFile } from './article-file.js';

export { parseArticleFile, ArticleFileError, isArticleFile } from './article-file.js';

export interface LoadOptions {
  /** Articles stored so far, of all found (for a progress line on a TTY). */
  onProgress?: (done: number, total: number) => void;
  /** One call per malformed file: its name and what is wrong. Without it, a warning is logged. */
  onWarning?: (file: string, problem: string) => void;
  logger?: Logger;
}

export interface LoadResult {
  /** Articles read from the files and handed to the store (created, updated or unchanged). */
  loaded: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Files that gave no article, each once. */
  warnings: Array<{ file: string; problem: string }>;
}

/**
 * Loads every article file (.txt, .md, .json) directly in `dir`, in name order. A malformed file is skipped
 * with one warning naming it; the rest still load. A missing directory loads nothing and warns once.
 */
export async function loadArticleFiles(dir: string, store: ArticleStore, opts: LoadOptions = {}): Promise<LoadResult> {
  const logger = opts.logger ?? rootLogger;
  const result: LoadResult = { loaded: 0, created: 0, updated: 0, unchanged: 0, warnings: [] };
  const warn = (file: string, problem: string) => {
    result.warnings.push({ file, problem });
    if (opts.onWarning) opts.onWarning(file, problem);
    else logger.warn({ file }, `skipped ${file}: ${problem}`);
  };

  let names: string[];
  try {
    names = (await readdir(dir)).filter(isArticleFile).sort();
  } catch (err) {
    warn(dir, `cannot read the folder: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return result;
  }

  const inputs: ArticleInput[] = [];
  const fileOf: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const parsed = await readArticleFile(path);
    if ('problem' in parsed) warn(path, parsed.problem);
    else {
      inputs.push(...parsed.articles);
      fileOf.push(...parsed.articles.map(() => path));
    }
  }

  const stored = await storeAll(store, inputs, fileOf, warn, opts.onProgress);
  for (const r of stored) {
    result.loaded++;
    result[r.outcome]++;
  }
  return result;
}

/** Reads and parses one file; never throws. */
export async function readArticleFile(path: string): Promise<{ articles: ArticleInput[] } | { problem: string }> {
  try {
    const info = await stat(path);
    if (info.size > 5_000_000) return { problem: `too large (${info.size} bytes; at most 5 MB)` };
    const text = await readFile(path, 'utf8');
    return { articles: parseArticleFile(path, text).map((a) => ({ ...a, origin: 'files' as const })) };
  } catch (err) {
    if (err instanceof ArticleFileError) return { problem: err.message };
    const code = (err as NodeJS.ErrnoException).code;
    return { problem: code ? `cannot read it (${code})` : (err as Error).message };
  }
}

/**
 * One bulk write; if a chunk fails (an input the store refuses, a listener that throws), that chunk is
 * rolled back by the store and its articles are retried one by one so only the bad one is skipped.
 */
async function storeAll(
  store: ArticleStore,
  inputs: ArticleInput[],
  fileOf: string[],
  warn: (file: string, problem: string) => void,
  onProgress?: (done: number, total: number) => void,
): Promise<UpsertResult[]> {
  if (inputs.length === 0) return [];
  try {
    return await store.upsertMany(inputs, onProgress);
  } catch {
    const results: UpsertResult[] = [];
    const failed = new Set<string>();
    for (let i = 0; i < inputs.length; i++) {
      try {
        results.push(await store.upsert(inputs[i]));
      } catch (err) {
        // One warning per file, even when an array file holds several bad articles.
        if (!failed.has(fileOf[i])) warn(fileOf[i], err instanceof EmbargoRefused ? `${err.field}: ${err.message}` : `the store refused it: ${(err as Error).message}`);
        failed.add(fileOf[i]);
      }
      onProgress?.(i + 1, inputs.length);
    }
    return results;
  }
}
