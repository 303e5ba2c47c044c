import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isReply } from '../../src/core/reply.js';
import type { Dispatcher } from '../../src/core/dispatcher.js';
import { realDispatcher, realServices, terminalInvocation } from '../helpers/services.js';

/** A small seeded PRNG (mulberry32), so a failure reproduces. */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '"', "'", '“', '”', '*', 'NEAR(', ')', '(', '-', '^', ':', 'OR', 'AND', 'NOT', '{', '}', '\\', '\0', '%', '_',
  'modi', 'prime', 'minister', 'since:', 'since:7d', 'since:-1d', 'since:99999d', 'section:', 'section:world',
  'page:', 'page:0', 'page:2', 'page:1e9', 'page:-3', 'length:long', 'length:huge', 'query:"', 'article:',
  'source:', 'https://example.com/x?utm_source=a#b', '22:00', '😀', 'ß', 'İ', '中文', 'ـ', '\u202e', '\u200b',
  "'; DROP TABLE articles; --", 'title:', 'body:', 'rowid', '*:*', 'a'.repeat(400), ' ', '  ', '\t',
];
const COMMANDS = ['news', 'summary', 'help', 'alerts', 'nwes', '', '/', 'news/summary'];

describe('dispatcher fuzz', () => {
  let dispatcher: Dispatcher;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const { store, services } = await realServices();
    close = () => store.close();
    dispatcher = realDispatcher(services);
  });
  afterAll(() => close());

  it('answers thousands of random command lines with a Reply, never a throw or an internal error', async () => {
    const random = rng(20261125);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
    const internalErrors: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const words = Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
        random() < 0.15 ? String.fromCodePoint(Math.floor(random() * 0x2ffff)) : pick(PIECES),
      );
      const text = words.join(random() < 0.7 ? ' ' : '');
      const command = pick(COMMANDS);
      const reply = await dispatcher.dispatch(terminalInvocation(command, text, random() < 0.5));
      expect(isReply(reply)).toBe(true);
      if (reply.kind === 'error' && /error id/.test(reply.text ?? '')) internalErrors.push(`/${command} ${text}`);
    }
    expect(internalErrors).toEqual([]);
  });
});
