import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Invocation } from '../../src/core/command.js';
import type { Reply } from '../../src/core/reply.js';
import { logger } from '../../src/log.js';
import { tempDataDir } from '../helpers/process.js';

const README = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');

/**
 * Every /news, /summary and /help example the README shows, as a reader would copy it: from the lines of its code
 * blocks (a description after two spaces is not part of the command) and from inline `code`. Placeholders (<…>)
 * are not commands.
 */
function readmeExamples(text: string): string[] {
  const found = new Set<string>();
  const add = (candidate: string) => {
    const command = candidate.trim();
    if (/^\/(news|summary|help)\b/.test(command) && !/[<…]/.test(command)) found.add(command);
  };
  for (const block of text.matchAll(/```text\n([\s\S]*?)```/g)) {
    for (const line of block[1].split('\n')) for (const part of line.split(/\s{2,}/)) add(part);
  }
  for (const inline of text.matchAll(/`(\/[^`]+)`/g)) add(inline[1]);
  return [...found];
}

describe('every README example answers with results on a fresh clone, on any date', () => {
  let app: App;
  const examples = readmeExamples(README);

  beforeAll(async () => {
    const config = loadConfig({ DATA_DIR: tempDataDir(), DATABASE_PATH: ':memory:', TERMINAL: '0', INBOX_WATCH: '0' });
    app = await startApp({ config, logger: logger.child({}, { level: 'silent' }) });
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('finds the examples', () => {
    expect(examples).toEqual(expect.arrayContaining(['/news', '/news modi', '/summary modi moscow', '/help news']));
    expect(examples.length).toBeGreaterThanOrEqual(8);
  });

  it.each(examples)('%s', async (example) => {
    const [, command, text] = /^\/(\w+)\s*(.*)$/.exec(example)!;
    const invocation: Invocation = {
      platform: 'terminal', command, text, user: { id: 'reader', name: 'reader', isAdmin: false }, workspace: '', channel: 'terminal:newsroom',
    };
    const reply: Reply = await app.dispatcher.dispatch(invocation);
    const said = [reply.text ?? '', ...reply.cards.map((c) => `${c.title ?? ''} ${c.text ?? ''} ${(c.items ?? []).length} items`)].join('\n');
    expect(reply.kind, said).toBe('answer');
    expect(reply.cards.length, said).toBeGreaterThan(0);
    expect(said).not.toMatch(/\bNo (results|stories|articles|matches)\b/i);
  });
});
