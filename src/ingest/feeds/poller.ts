import type { Logger } from '../../log.js';
import type { ArticleInput } from '../../domain/article.js';
import { freshFeedState, OriginConflict, type ArticleStore, type FeedState, type FeedStateStore, type UpsertResult } from '../../store/types.js';
import type { FeedConfig } from './config.js';
import { fetchFeed, FeedFetchError } from './fetch-feed.js';
import { parseFeed } from './parse.js';
import { backoffDelayMs, isLongFailure, successDelayMs } from './schedule.js';
import { feedItemsToArticles } from './to-article.js';
import type { FeedHealth } from './types.js';

export interface FeedPollerOptions {
  feeds: FeedConfig[];
  store: ArticleStore;
  /** Polling state that survives a restart (validators, first poll done, when items were first seen). */
  feedState: FeedStateStore;
  logger: Logger;
  fetch?: typeof fetch;
  /** The application clock, in milliseconds since the epoch (src/domain/clock.ts). */
  now: () => number;
  /** 0 ≤ n < 1, for backoff jitter; injected in tests. */
  random?: () => number;
  timeoutMs?: number;
  maxBytes?: number;
  /** Minimum gap between two requests to the same host, across feeds. */
  hostGapMs?: number;
  userAgent?: string;
  /**
   * Several instances share the store: each due poll is claimed in the store first (FeedStateStore.claimPoll), so
   * every feed is polled once per interval whatever the number of instances.
   */
  claimPolls?: boolean;
}

export interface PollResult {
  status: 'ok' | 'not-modified' | 'failed' | 'stopped';
  created: number;
  updated: number;
  unchanged: number;
  /** True when this was the feed's first poll: its items were stored without alerts. */
  quiet: boolean;
  /** Items the store refused (each logged); the rest of the poll was stored. */
  failed: number;
  error?: string;
}

export interface FeedPoller {
  /** Resolves once each feed's stored state (validators, schedule, health) has been read. */
  ready: Promise<void>;
  stop(): Promise<void>;
  health(): FeedHealth[];
  /** Polls one feed (by name or id) now, whatever its schedule; joins a poll already running. */
  pollNow(nameOrId: string): Promise<PollResult>;
}

interface Running {
  feed: FeedConfig;
  state: FeedState;
  timer: NodeJS.Timeout | null;
  inFlight: Promise<PollResult> | null;
  /** A "failing for a long time" warning was logged for the current run of failures. */
  warned: boolean;
  /** Items the store refused, warned about once per run (an id held by another origin is refused at every poll). */
  refused: Set<string>;
}

/** A claimed poll is held this long past the fetch timeout before another instance may take it. */
const CLAIM_MARGIN_MS = 60_000;
const MIN_RECHECK_MS = 1_000;
const CLAIM_RETRY_MS = 5_000;

const DEFAULTS = { timeoutMs: 20_000, maxBytes: 5 * 1024 * 1024, hostGapMs: 2_000, userAgent: 'Newsdesk feed poller (+https://github.com/newsdesk)' };

export function startFeedPoller(opts: FeedPollerOptions): FeedPoller {
  const now = opts.now;
  const random = opts.random ?? Math.random;
  const doFetch = opts.fetch ?? fetch;
  const settings = { ...DEFAULTS, ...withoutUndefined(opts) };
  const stateStore = opts.feedState;
  const log = opts.logger.child({ module: 'feeds' });
  const stopController = new AbortController();
  const hostFreeAt = new Map<string, number>();
  const running = new Map<string, Running>();

  for (const feed of opts.feeds.filter((f) => f.enabled)) {
    running.set(feed.id, { feed, state: freshFeedState(feed.id, feed.url), timer: null, inFlight: null, warned: false, refused: new Set() });
  }
  // The stored state (validators, schedule) is read before the first poll; pollNow waits for it too.
  const ready = (async () => {
    for (const rt of running.values()) {
      const { feed } = rt;
      let state = await stateStore.get(feed.id);
      if (state && state.url !== feed.url) {
        log.info({ feed: feed.name, from: state.url, to: feed.url }, 'feed URL changed: starting it afresh (first poll is quiet)');
        await stateStore.forgetItems(feed.id);
        state = null;
      }
      if (state) rt.state = state;
      if (stopController.signal.aborted) return;
      // After a restart, keep the schedule the last run set, unless the configured interval is now shorter.
      schedule(rt, Math.min(rt.state.nextPollAt ?? now(), now() + intervalMs(feed)));
    }
    log.info({ feeds: running.size, disabled: opts.feeds.length - running.size }, 'feed poller started');
  })().catch((err) => log.error({ err }, 'feed poller could not read its state; feeds are not polled'));

  function schedule(rt: Running, at: number): void {
    if (rt.timer) clearTimeout(rt.timer);
    rt.state.nextPollAt = at;
    rt.timer = setTimeout(() => onTimer(rt), Math.max(0, at - now()));
    rt.timer.unref();
  }

  function onTimer(rt: Running): void {
    rt.timer = null;
    if (stopController.signal.aborted || rt.inFlight) return;
    const host = new URL(rt.feed.url).host;
    const freeAt = hostFreeAt.get(host) ?? 0;
    if (now() < freeAt) {
      schedule(rt, freeAt);
      return;
    }
    if (opts.claimPolls && stateStore.claimPoll) void claimThenPoll(rt);
    else void poll(rt);
  }

  /** Polls only when this instance claims the due poll; else follows the schedule whoever polled has saved. */
  async function claimThenPoll(rt: Running): Promise<void> {
    const at = now();
    try {
      const claimed = await stateStore.claimPoll!(rt.feed.id, rt.feed.url, at, at + settings.timeoutMs + CLAIM_MARGIN_MS);
      if (stopController.signal.aborted || rt.inFlight) return;
      if (claimed) {
        // Validators, first-poll flag and health as the last poller (maybe another instance) left them.
        rt.state = { ...claimed, nextPollAt: rt.state.nextPollAt };
        void poll(rt);
        return;
      }
      const stored = await stateStore.get(rt.feed.id);
      if (stored) rt.state = stored;
      schedule(rt, Math.max(stored?.nextPollAt ?? 0, now() + MIN_RECHECK_MS));
    } catch (err) {
      log.warn({ err, feed: rt.feed.name }, 'could not claim the feed poll; trying again shortly');
      schedule(rt, now() + CLAIM_RETRY_MS);
    }
  }

  function poll(rt: Running): Promise<PollResult> {
    if (rt.inFlight) return rt.inFlight;
    if (rt.timer) clearTimeout(rt.timer);
    rt.timer = null;
    hostFreeAt.set(new URL(rt.feed.url).host, now() + settings.hostGapMs);
    rt.inFlight = pollOnce(rt).finally(() => {
      rt.inFlight = null;
    });
    return rt.inFlight;
  }

  async function pollOnce(rt: Running): Promise<PollResult> {
    const { feed, state } = rt;
    const attemptAt = now();
    state.lastAttemptAt = attemptAt;
    const quiet = !state.firstPollDone;
    try {
      const res = await fetchFeed({
        url: feed.url, etag: state.etag, lastModified: state.lastModified, timeoutMs: settings.timeoutMs,
        maxBytes: settings.maxBytes, userAgent: settings.userAgent, signal: stopController.signal, fetch: doFetch,
      });
      const result: PollResult = { status: res.status, created: 0, updated: 0, unchanged: 0, failed: 0, quiet: false };
      let ttlMinutes: number | null = null;
      if (res.status === 'ok') {
        const parsed = await parseFeed(res.body, feed.url, attemptAt);
        ttlMinutes = parsed.ttlMinutes;
        const nowIso = new Date(attemptAt).toISOString();
        // Undated items keep the date they were first seen: look those up for this poll's items, then build.
        const firstSeen = new Map<string, string>();
        for (const a of feedItemsToArticles(feed, parsed.items, () => undefined, nowIso)) {
          const ms = await stateStore.firstSeen(feed.id, a.id);
          if (ms !== null) firstSeen.set(a.id, new Date(ms).toISOString());
        }
        const articles = feedItemsToArticles(feed, parsed.items, (id) => firstSeen.get(id), nowIso);
        const { outcomes, failed } = await storeItems(rt, articles.map((a) => ({ ...a.input, quiet })));
        for (const o of outcomes) result[o.outcome] += 1;
        result.failed = failed.size;
        await stateStore.markSeen(feed.id, articles.filter((a) => !failed.has(a.id)).map((a) => a.id), attemptAt);
        result.quiet = quiet;
        state.firstPollDone = true;
        if (quiet) log.info({ feed: feed.name, items: articles.length }, 'first poll of a new feed: items stored without alerts');
      }
      if (state.consecutiveFailures > 0) {
        log.info({ feed: feed.name, failures: state.consecutiveFailures }, 'feed recovered');
      }
      Object.assign(state, {
        etag: res.etag, lastModified: res.lastModified, lastSuccessAt: attemptAt,
        consecutiveFailures: 0, failingSince: null, lastError: null,
      });
      rt.warned = false;
      finish(rt, attemptAt + successDelayMs(intervalMs(feed), ttlMinutes, res.maxAgeSeconds));
      log.debug({ feed: feed.name, ...result }, 'feed polled');
      return result;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (stopController.signal.aborted) return { status: 'stopped', created: 0, updated: 0, unchanged: 0, failed: 0, quiet: false };
      state.consecutiveFailures += 1;
      state.failingSince ??= attemptAt;
      state.lastError = message.slice(0, 300);
      log.info({ feed: feed.name, url: feed.url, failures: state.consecutiveFailures, error: state.lastError }, 'feed poll failed');
      if (!rt.warned && isLongFailure(state.consecutiveFailures, state.failingSince, attemptAt)) {
        rt.warned = true;
        log.warn(
          { feed: feed.name, url: feed.url, failures: state.consecutiveFailures, since: new Date(state.failingSince).toISOString(), error: state.lastError },
          'feed failing for a long time',
        );
      }
      const retryAfter = err instanceof FeedFetchError ? err.retryAfterMs : null;
      finish(rt, attemptAt + backoffDelayMs(intervalMs(feed), state.consecutiveFailures, random, retryAfter));
      return { status: 'failed', created: 0, updated: 0, unchanged: 0, failed: 0, quiet: false, error: state.lastError };
    }
  }

  /**
   * One write for the poll; if the store refuses an item (an id another origin holds, a listener that throws), the
   * items are written one by one so that only the bad ones fail, each logged, and the rest of the poll (a breaking
   * story among them) is stored and alerted. Items a committed chunk already stored come back unchanged. An id held
   * by another origin is always the item's fault; any other error on every item fails the poll (the store is down).
   */
  async function storeItems(rt: Running, inputs: ArticleInput[]): Promise<{ outcomes: UpsertResult[]; failed: Set<string> }> {
    const failed = new Set<string>();
    try {
      return { outcomes: await opts.store.upsertMany(inputs), failed };
    } catch (err) {
      if (stopController.signal.aborted) throw err;
    }
    const outcomes: UpsertResult[] = [];
    let storeError: unknown = null;
    for (const input of inputs) {
      try {
        outcomes.push(await opts.store.upsert(input));
      } catch (err) {
        if (stopController.signal.aborted) throw err;
        if (!(err instanceof OriginConflict)) storeError ??= err;
        failed.add(input.id!);
        const reason = (err instanceof Error ? err.message : String(err)).slice(0, 300);
        const level = rt.refused.has(input.id!) ? 'debug' : 'warn';
        rt.refused.add(input.id!);
        log[level]({ feed: rt.feed.name, id: input.id, error: reason }, 'feed item not stored; the rest of the poll is');
      }
    }
    if (outcomes.length === 0 && storeError) throw storeError;
    return { outcomes, failed };
  }

  function finish(rt: Running, nextAt: number): void {
    if (stopController.signal.aborted) return;
    schedule(rt, nextAt);
    stateStore.save(rt.state).catch((err) => log.error({ err, feed: rt.feed.name }, 'could not save feed state'));
  }

  function health(): FeedHealth[] {
    return opts.feeds.map((feed): FeedHealth => {
      const rt = running.get(feed.id);
      if (!rt) {
        return { name: feed.name, url: feed.url, status: 'disabled', lastSuccess: null, consecutiveFailures: 0, lastError: null, nextPoll: null };
      }
      const s = rt.state;
      return {
        name: feed.name,
        url: feed.url,
        status: s.consecutiveFailures > 0 ? 'failing' : s.lastSuccessAt === null ? 'pending' : 'ok',
        lastSuccess: iso(s.lastSuccessAt),
        consecutiveFailures: s.consecutiveFailures,
        lastError: s.lastError,
        nextPoll: iso(s.nextPollAt),
      };
    });
  }

  return {
    ready,
    health,
    async pollNow(nameOrId) {
      const rt = [...running.values()].find((r) => r.feed.name === nameOrId || r.feed.id === nameOrId);
      if (!rt) throw new Error(`no enabled feed named "${nameOrId}"`);
      await ready;
      if (stopController.signal.aborted) return { status: 'stopped', created: 0, updated: 0, unchanged: 0, failed: 0, quiet: false };
      return poll(rt);
    },
    async stop() {
      stopController.abort();
      await ready;
      for (const rt of running.values()) {
        if (rt.timer) clearTimeout(rt.timer);
        rt.timer = null;
      }
      await Promise.allSettled([...running.values()].map((rt) => rt.inFlight));
    },
  };
}

function intervalMs(feed: FeedConfig): number {
  return feed.intervalMinutes * 60_000;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
