import { coreCommands } from '../../commands/index.js';
import type { Invocation } from '../../src/core/command.js';
import { createDispatcher, type Dispatcher } from '../../src/core/dispatcher.js';
import type { Services } from '../../src/core/services.js';
import { loadArticleFiles } from '../../src/ingest/files.js';
import { logger } from '../../src/log.js';
import { createDerivedCache } from '../../src/store/cache.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { createSummarizer } from '../../src/summarize/summarizer.js';
import type { Clock } from '../../src/domain/clock.js';
import { TEST_CLOCK } from './clock.js';
import { PortRegistry } from '../../src/outbound/registry.js';

export const quietLogger = logger.child({}, { level: 'silent' });

/** The real store (in memory), the real summarizer and the real commands, loaded with data/articles. */
export async function realServices(opts: { loadSamples?: boolean; now?: Clock } = {}) {
  const store = openSqliteStore(':memory:', { now: opts.now ?? TEST_CLOCK });
  const cache = createDerivedCache(300);
  store.articles.onChange(() => cache.clear());
  const services: Services = {
    articles: store.articles,
    summarizer: createSummarizer(),
    cache,
    actionState: store.actionState,
  };
  if (opts.loadSamples !== false) await loadArticleFiles('data/articles', store.articles, {});
  return { store, services, ports: new PortRegistry() };
}

export function realDispatcher(services: Services, now: Clock = TEST_CLOCK): Dispatcher {
  return createDispatcher({ commands: coreCommands(), services, logger: quietLogger, now });
}

export function terminalInvocation(command: string, text: string, isAdmin = false): Invocation {
  return {
    platform: 'terminal',
    command,
    text,
    user: { id: 'tester', name: 'tester', isAdmin },
    workspace: '',
    channel: 'terminal:newsroom',
  };
}
