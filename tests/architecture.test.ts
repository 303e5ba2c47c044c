import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkArchitecture, readImports } from './architecture/rules.js';

const ROOT = join(import.meta.dirname, '..');

describe('the import rules of the house', () => {
  it('hold on the project tree', () => {
    expect(checkArchitecture(ROOT)).toEqual([]);
  });

  it('read the project tree for real (the checker sees the imports it is meant to judge)', () => {
    const edges = readImports(ROOT);
    expect(edges.length).toBeGreaterThan(300);
    expect(edges).toContainEqual(expect.objectContaining({ from: 'src/adapters/discord/index.ts', specifier: 'discord.js' }));
    expect(edges.some((e) => e.from.startsWith('src/store/sqlite/') && e.specifier === 'better-sqlite3')).toBe(true);
    expect(edges.some((e) => e.from === 'src/app.ts' && e.target === 'src/alerts/index')).toBe(true);
  });
});

/** Each rule fails on a small tree that breaks it: static, dynamic and type-only imports alike. */
describe('each rule fails on a tree that breaks it', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  function tree(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), 'newsdesk-arch-'));
    dirs.push(root);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  }

  it('a clean tree passes', () => {
    expect(checkArchitecture(tree({
      'src/domain/article.ts': 'export type Priority = "breaking";\n',
      'src/core/reply.ts': "import type { Priority } from '../domain/article.js';\n",
      'src/adapters/discord/index.ts': "import { Client } from 'discord.js';\nimport '../../core/reply.js';\n",
      'src/store/sqlite/db.ts': "import Database from 'better-sqlite3';\n",
    }))).toEqual([]);
  });

  it('a platform library outside its adapter folder (static, and Slack inside the Discord adapter)', () => {
    const problems = checkArchitecture(tree({
      'src/alerts/send.ts': "import { REST } from '@discordjs/rest';\n",
      'src/adapters/discord/oops.ts': "import { App } from '@slack/bolt';\n",
    }));
    expect(problems).toEqual([
      'platform library outside its adapter: src/adapters/discord/oops.ts imports @slack/bolt',
      'platform library outside its adapter: src/alerts/send.ts imports @discordjs/rest',
    ]);
  });

  it('a database driver outside src/store (dynamic import)', () => {
    expect(checkArchitecture(tree({ 'src/alerts/index.ts': "export async function open() { return import('pg'); }\n" })))
      .toEqual(['database driver outside src/store: src/alerts/index.ts imports pg']);
  });

  it('the store importing core, alerts or ingest (type-only imports count)', () => {
    const problems = checkArchitecture(tree({
      'src/store/sqlite/outbox.ts': "import type { Delivery } from '../../alerts/types.js';\n",
      'src/store/cache.ts': "import type { DerivedCache } from '../core/services.js';\n",
      'src/store/sqlite/migrations.ts': "export { FEED } from '../../ingest/feeds/state.js';\n",
      'src/alerts/types.ts': 'export type Delivery = 1;\n',
      'src/core/services.ts': 'export type DerivedCache = 1;\n',
      'src/ingest/feeds/state.ts': 'export const FEED = 1;\n',
    }));
    expect(problems).toEqual([
      'the store imports src/alerts: src/store/sqlite/outbox.ts imports ../../alerts/types.js',
      'the store imports src/core: src/store/cache.ts imports ../core/services.js',
      'the store imports src/ingest: src/store/sqlite/migrations.ts imports ../../ingest/feeds/state.js',
    ]);
  });

  it('summarize importing the store, and the domain importing anything of ours', () => {
    const problems = checkArchitecture(tree({
      'src/summarize/briefing.ts': "import type { Article } from '../store/types.js';\n",
      'src/store/types.ts': 'export type Article = 1;\n',
      'src/domain/clock.ts': "import { logger } from '../log.js';\n",
      'src/log.ts': 'export const logger = 1;\n',
    }));
    expect(problems).toEqual([
      'summarize imports the store: src/summarize/briefing.ts imports ../store/types.js',
      'the domain imports src/log: src/domain/clock.ts imports ../log.js',
    ]);
  });

  it('a cycle between top-level folders, through a type-only import', () => {
    const problems = checkArchitecture(tree({
      'src/core/services.ts': "import type { AlertsService } from '../alerts/types.js';\n",
      'src/alerts/types.ts': "import type { Invocation } from '../core/command.js';\nexport type AlertsService = 1;\n",
      'src/core/command.ts': 'export type Invocation = 1;\n',
    }));
    expect(problems).toEqual(['cycle between parts: src/alerts → src/core']);
  });

  it('ignores imports mentioned in comments', () => {
    expect(checkArchitecture(tree({ 'src/alerts/a.ts': "// import pg from 'pg';\n/* import 'better-sqlite3' */\nexport {};\n" }))).toEqual([]);
  });
});
