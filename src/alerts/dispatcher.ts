import { isChannelRef, parseChannelRef, parseMessageRef, type Platform } from '../domain/channel.js';
import { Permanent, type OutboundPort, type PostedHint } from '../outbound/port.js';
import type { Reply } from '../core/reply.js';
import type { Logger } from '../log.js';
import type { ArticleStore, OutboxStore, PacingStateStore, StoryStore, SubscriptionStore } from '../store/types.js';
import type { Summarizer } from '../summarize/types.js';
import { Pacer, type Operation } from './pacing.js';
import { renderAlert, renderGroup, type AlertArticle } from './render.js';
import { buildFollowUp } from './follow-up.js';
import { otherSources } from './story-sources.js';
import { createRetryPolicy, Skip, withTimeout } from './retry.js';
import { createTldrCache } from './tldr.js';
import type { Delivery, DeliveryState } from '../domain/delivery.js';
import type { Subscription } from '../domain/subscription.js';
import type { PortRegistry } from '../outbound/registry.js';
import { storeUnavailableReason } from '../store/unavailable.js';
import { observedProblems, renderNotice } from './ops-notices.js';
import { briefingRunPost, isBriefing, scheduleNextRun } from './briefings.js';
import type { Approvals } from './approvals.js';

export interface DispatcherOptions {
  outbox: OutboxStore;
  subscriptions: SubscriptionStore;
  /** `storedVersion` lets a thread reply say what changed (src/alerts/follow-up.ts). */
  articles: Pick<ArticleStore, 'get'> & Partial<Pick<ArticleStore, 'storedVersion' | 'periodStories'>>;
  /** The stories' members: an alert names the other outlets carrying its story ("+N sources"). */
  stories?: Pick<StoryStore, 'members'>;
  /** The running adapters' ports; adapters may appear after start (their rows wait until then). */
  ports: PortRegistry;
  summarizer?: Pick<Summarizer, 'tldr'>;
  logger: Logger;
  timeZone: string;
  /** Auto-pause on a permanent failure (audited by the caller). */
  pauseSubscription(sub: Subscription, reason: string): Promise<void>;
  /** A platform refused the bot itself (problem), or takes posts again (null): for the operations notices. */
  onPlatformProblem?(platform: Platform, problem: string | null): void;
  now?: () => number;
  /** Where learned rate ceilings persist (Slack workspaces); without it they are learned again after a restart. */
  pacingState?: PacingStateStore;
  /** Configured posts-per-minute ceilings per platform, overriding anything learned. */
  ceilings?: Partial<Record<Platform, number>>;
  /** Requests in flight per platform. */
  concurrency?: number;
  /** A send that has not answered by then is treated as "outcome unknown" and retried after asking the platform. */
  sendTimeoutMs?: number;
  maxAttempts?: number;
  /** Several instances: the sender buckets this instance holds the lease for (src/alerts/senders.ts); only theirs are sent. */
  senders?: { held(): string[] };
  /** Editor approval (src/alerts/approvals.ts): how a preview looks, and its expiry when its due time comes. */
  approvals?: Pick<Approvals, 'render' | 'expire'>;
  /** The stories' labels (an editor's verification label shows on every alert of the story). */
  labels?: Pick<StoryStore, 'label'>;
}

export interface SettledEvent {
  delivery: Delivery;
  operation: Operation;
  state: DeliveryState;
  /** A retry was scheduled (the row went back to the queue). */
  retrying: boolean;
}

export interface AlertDispatcher {
  /** Look for due work now (called after every commit that queued rows). */
  wake(): void;
  /** Reconciles rows left 'sending' by a crash, per platform as its port appears, then starts delivering. */
  start(): void;
  onSettled(listener: (e: SettledEvent) => void): () => void;
  /** Why a platform's deliveries are held (the bot itself was refused, e.g. a revoked token), or null. */
  platformProblem(platform: Platform): string | null;
  /** Stops taking work; waits (bounded) for requests in flight. */
  stop(drainMs?: number): Promise<void>;
  readonly pacer: Pacer;
}

/**
 * Due rows read per pass: a few first (the first requests of a fan-out leave without reading hundreds of rows), and
 * a larger window only when those few could not go (paced), to find rows that can.
 */
const DUE_BATCHES = [16, 500];
/**
 * Claims per platform per pass before yielding to the event loop: the first requests leave while the rest are
 * prepared, instead of after every request of a large fan-out has been built; each platform gets its share.
 */
const CLAIMS_PER_PASS = 4;
const MAX_TIMER_MS = 30_000;

export function createAlertDispatcher(opts: DispatcherOptions): AlertDispatcher {
  const now = opts.now ?? Date.now;
  const pacer = new Pacer({
    clock: now, store: opts.pacingState, configured: opts.ceilings,
    onError: (err) => opts.logger.warn({ err }, 'alert pacing state could not be read or stored'),
  });
  const concurrency = opts.concurrency ?? 16;
  const sendTimeoutMs = opts.sendTimeoutMs ?? 30_000;
  const maxAttempts = opts.maxAttempts ?? 10;
  const inFlight = new Map<string, Promise<void>>();
  const inFlightPerPlatform = new Map<Platform, number>();
  const listeners = new Set<(e: SettledEvent) => void>();
  const tldrOf = createTldrCache(opts.summarizer, opts.logger);
  const platformProblems = observedProblems(opts.onPlatformProblem);
  const stories = opts.stories;
  const sourcesOf = (row: Delivery, article: AlertArticle) =>
    stories ? otherSources({ stories, articles: opts.articles }, row.storyId, article) : Promise.resolve([]);
  let started = false;
  let stopped = false;
  let scheduled = false;
  /** A pass is running (it awaits the store): a wake-up during it runs one more pass right after. */
  let ticking = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  /** The store is away: said once when passes start failing for it, and once when one succeeds again. */
  let storeAway = false;
  /**
   * Claims whose outcome could not be written (the store failed mid-delivery, or the claim's own answer was lost):
   * each pass first hands them back to the queue (releaseClaim: in doubt, looked up before any re-post), so a live
   * instance never keeps a row 'sending' under its own claim. Until then the failing pass retries every second.
   */
  const unsettled = new Map<string, { op: Operation; why: string }>();
  /** Rows that cannot be read (a channel reference that does not parse), already set aside and logged. */
  const setAside = new Set<string>();

  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const retries = createRetryPolicy({
    outbox: opts.outbox, logger: opts.logger, pacer, now, maxAttempts, sendTimeoutMs, platformProblems,
    pauseSubscription: opts.pauseSubscription, settle, sleep,
  });
  let paced = false;
  const attached = (port: OutboundPort): void => {
    // Each port states its platform's rate rules, and reports route buckets as the platform sends them.
    pacer.setRules(port.platform, port.rateRules);
    port.onBucketReport?.((report) => pacer.report(port.platform, report));
    wake();
  };
  opts.ports.onAttach(attached);
  for (const platform of opts.ports.platforms()) attached(opts.ports.get(platform)!);
  void pacer.ready.then(() => {
    paced = true;
    wake();
  });

  function wake(): void {
    if (stopped || !started || !paced) return;
    if (ticking) {
      again = true;
      return;
    }
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => void pass());
  }

  async function pass(): Promise<void> {
    scheduled = false;
    ticking = true;
    try {
      await tick();
      if (storeAway) {
        storeAway = false;
        opts.logger.info('alert deliveries resume: the store answers again');
      }
    } catch (err) {
      const away = storeUnavailableReason(err);
      if (away === null) opts.logger.error({ err }, 'alert dispatcher pass failed; retrying shortly');
      else if (!storeAway) {
        storeAway = true;
        opts.logger.warn({ reason: away }, 'alert deliveries wait: the store is unavailable; trying again every second');
      }
      clearTimeout(timer);
      if (!stopped) timer = setTimeout(wake, 1_000).unref();
    } finally {
      ticking = false;
      if (again) {
        again = false;
        wake();
      }
    }
  }

  /**
   * Platforms whose port is up, reconciled, and not saturated; and how long until the first held one may send.
   * The wait is read once: read again later it may have run out, and a tick that sets no timer stalls the queue.
   */
  async function readyPlatforms(): Promise<{ ready: Platform[]; heldMs: number }> {
    const ready: Platform[] = [];
    let heldMs = Number.POSITIVE_INFINITY;
    for (const platform of opts.ports.platforms()) {
      if (!retries.isReconciled(platform)) await retries.reconcile(platform);
      if ((inFlightPerPlatform.get(platform) ?? 0) >= concurrency) continue;
      const wait = pacer.platformWaitMs(platform);
      if (wait > 0) heldMs = Math.min(heldMs, wait);
      else ready.push(platform);
    }
    return { ready, heldMs };
  }

  async function tick(): Promise<void> {
    if (stopped) return;
    const at = now();
    await releaseUnsettled(at);
    const { ready: platforms, heldMs } = await readyPlatforms();
    let nextWait = heldMs;
    const claims = new Map<Platform, number>();
    let more = false;
    const visit = async (rows: Delivery[]): Promise<void> => {
      for (const row of rows) {
        if ((claims.get(row.platform) ?? 0) >= CLAIMS_PER_PASS) {
          more = true;
          continue;
        }
        if (inFlight.has(row.id) || setAside.has(row.id)) continue;
        const unreadable = unreadableReason(row);
        if (unreadable) {
          await setRowAside(row, unreadable, at);
          continue;
        }
        const port = opts.ports.get(row.platform)!;
        if ((inFlightPerPlatform.get(row.platform) ?? 0) >= concurrency) continue;
        // A posted preview due with nothing new to show: its expiry came (a decision by the system, unless a press won).
        if (row.kind === 'preview' && row.state === 'sent' && opts.approvals && row.expiresAt != null && row.expiresAt <= at
          && row.targetVersion <= (row.deliveredVersion ?? 0)) {
          await opts.approvals.expire(row);
          again = true;
          continue;
        }
        const op: Operation = row.deleteState === 'due' ? 'delete' : row.state === 'sent' ? 'edit' : 'post';
        const wait = pacer.waitMs(row.platform, row.channel, op, { refused: row.attempts > 0 });
        if (wait > 0) {
          nextWait = Math.min(nextWait, wait);
          continue;
        }
        let claimed: boolean;
        try {
          claimed = op === 'post' ? await opts.outbox.claimPost(row.id, at)
            : op === 'delete' ? await opts.outbox.claimDelete(row.id, at) : await opts.outbox.claimEdit(row.id, at);
        } catch (err) {
          // The claim may have been written with its answer lost: released once the store answers.
          unsettled.set(row.id, { op, why: 'its claim could not be confirmed' });
          throw err;
        }
        if (!claimed) continue;
        pacer.record(row.platform, row.channel, op);
        run(row, op, port);
        claims.set(row.platform, (claims.get(row.platform) ?? 0) + 1);
      }
    };
    const [few, many] = DUE_BATCHES;
    const buckets = opts.senders?.held();
    const first = await opts.outbox.due(at, platforms, few, buckets);
    await visit(first);
    if (claims.size === 0 && first.length === few) await visit((await opts.outbox.due(at, platforms, many, buckets)).slice(few));
    if (more) {
      again = true;
      return;
    }
    // Rows already due were handled above: sent, paced (their wait counted), or in flight / over the concurrency
    // limit (a finishing request wakes us). Only future due times set the timer, and only on platforms with a
    // port: a platform whose adapter is not up yet is woken by the port's arrival (observePorts), not polled.
    const nextDue = await opts.outbox.nextDueAt(opts.ports.platforms(), at, buckets);
    if (nextDue !== null) nextWait = Math.min(nextWait, nextDue - at);
    clearTimeout(timer);
    if (Number.isFinite(nextWait)) timer = setTimeout(wake, Math.min(Math.max(nextWait, 1), MAX_TIMER_MS)).unref();
  }

  async function releaseUnsettled(at: number): Promise<void> {
    for (const [id, { op, why }] of unsettled) {
      if (inFlight.has(id)) continue;
      const released = await opts.outbox.releaseClaim(id, `the store failed during this ${op} (${why}); checked before any re-post`, at);
      unsettled.delete(id);
      opts.logger.info({ delivery: id, op, released }, 'alert delivery whose bookkeeping failed is back in the queue');
    }
  }

  /** Why a row cannot be delivered at all, whatever is retried: its channel (or message) reference does not parse. */
  function unreadableReason(row: Delivery): string | null {
    if (!isChannelRef(row.channel)) return `unreadable row: not a channel reference: ${JSON.stringify(row.channel.slice(0, 120))}`;
    if (parseChannelRef(row.channel).platform !== row.platform) return `unreadable row: channel ${JSON.stringify(row.channel.slice(0, 120))} is not on ${row.platform}`;
    if (row.state === 'sent' && row.messageRef) {
      try {
        parseMessageRef(row.messageRef);
      } catch {
        return `unreadable row: not a message reference: ${JSON.stringify(row.messageRef.slice(0, 120))}`;
      }
    }
    return null;
  }

  /** One unreadable row is failed with its reason (logged once); the rest of the pass goes on without it. */
  async function setRowAside(row: Delivery, reason: string, at: number): Promise<void> {
    setAside.add(row.id);
    try {
      if (row.state === 'sent') await opts.outbox.giveUpEdit(row.id, reason, at);
      else await opts.outbox.finish(row.id, 'failed', reason, at);
    } catch (err) {
      setAside.delete(row.id);
      throw err;
    }
    opts.logger.error({ delivery: row.id, subscription: row.subscriptionId, reason }, 'alert delivery set aside: its row cannot be read');
  }

  function run(row: Delivery, op: Operation, port: OutboundPort): void {
    inFlightPerPlatform.set(row.platform, (inFlightPerPlatform.get(row.platform) ?? 0) + 1);
    const work = (op === 'post' ? post(row, port) : op === 'delete' ? remove(row, port) : edit(row, port))
      .catch((err) => {
        // The outcome (sent, or to be retried) could not be written: the claim is handed back by the next pass.
        opts.logger.error({ err, delivery: row.id, op }, 'alert delivery bookkeeping failed; the row goes back to the queue once the store answers');
        unsettled.set(row.id, { op, why: 'its outcome could not be written' });
      })
      .finally(() => {
        pacer.settled(row.platform, row.channel, op);
        inFlight.delete(row.id);
        inFlightPerPlatform.set(row.platform, (inFlightPerPlatform.get(row.platform) ?? 1) - 1);
        wake();
      });
    inFlight.set(row.id, work);
  }

  async function settle(row: Delivery, operation: Operation, retrying: boolean): Promise<void> {
    // A briefing run sent, skipped or failed for good: the schedule goes on with the next run's row.
    if (row.kind === 'briefing' && operation === 'post' && !retrying) await scheduleNextRun(briefingDeps(), row, now());
    // Only listeners read it: a store that fails here must not turn a recorded outcome into a retry.
    const delivery = (await opts.outbox.get(row.id).catch(() => null)) ?? row;
    for (const l of listeners) l({ delivery, operation, state: delivery.state, retrying });
  }

  async function post(row: Delivery, port: OutboundPort): Promise<void> {
    // An operations notice belongs to no subscription: it posts its own line (src/alerts/ops-notices.ts).
    // Operations notices and approval previews belong to no subscription: each posts its own message.
    const own = row.kind === 'notice' || row.kind === 'preview';
    const sub = own ? null : await opts.subscriptions.get(row.subscriptionId);
    try {
      // Asked before any Skip: a post that may already be live must be found, so that a retraction since then
      // strikes it through (the edit path) instead of the row being skipped with the alert left standing.
      // A thread target (Slack): the alert goes into the subscription's thread, and is looked for there.
      const thread = sub?.threadTs ?? undefined;
      const found = await retries.findIfPosted(row, port, () => postedHint(row), thread);
      if (found) return await finishPost(row, found, own ? row.targetVersion : await postedVersion(row, sub));
      if (row.deleteState) throw new Skip(row.deleteNote ?? 'recalled');
      if (!sub && !own) throw new Skip('subscription removed');
      if (sub && row.kind !== 'test' && sub.paused) throw new Skip(`subscription paused${sub.pausedReason ? `: ${sub.pausedReason}` : ''}`);
      const content = sub ? await buildPost(row, sub)
        : row.kind === 'preview' && opts.approvals ? { reply: await opts.approvals.render(row), version: row.targetVersion }
          : { reply: renderNotice(row), version: row.targetVersion };
      const ref = await withTimeout(port.post(row.channel, content.reply, { deliveryId: row.id, ...(thread ? { thread } : {}) }), sendTimeoutMs);
      await finishPost(row, ref, content.version);
    } catch (err) {
      if (err instanceof Skip) {
        await opts.outbox.finish(row.id, 'skipped', err.message, now());
        await settle(row, 'post', false);
        return;
      }
      await retries.failed(row, 'post', err, sub);
    }
  }

  /**
   * What an alert's post shows (the story's headline and link now), for recognising an in-doubt post where the
   * platform has no nonce (a Discord forum post); a retracted story's too. Groups and notices give none.
   */
  async function postedHint(row: Delivery): Promise<PostedHint | undefined> {
    if (row.kind === 'test') {
      const sample = JSON.parse(row.payload ?? '{}') as Partial<AlertArticle>;
      return sample.title ? { title: sample.title, ...(sample.url ? { url: sample.url } : {}) } : undefined;
    }
    if (row.kind !== 'alert' || !row.articleId) return undefined;
    const article = await opts.articles.get(row.articleId, { includeHidden: true });
    return article ? { title: article.title, ...(article.url ? { url: article.url } : {}) } : undefined;
  }

  async function finishPost(row: Delivery, ref: string, version: number): Promise<void> {
    const at = now();
    await opts.outbox.markSent(row.id, ref, version, at);
    platformProblems.delete(row.platform);
    if (row.kind === 'digest' || row.kind === 'fold') await opts.outbox.markMembersSent(row.id, ref, at);
    await settle(row, 'post', false);
  }

  /**
   * The version a found in-doubt post shows. When it can no longer be built (retracted since), it shows an older
   * version than the target: one below makes the row due for an edit, which renders the retraction.
   */
  /** What a scheduled briefing run reads and writes (src/alerts/briefings.ts). */
  function briefingDeps() {
    return {
      outbox: opts.outbox, subscriptions: opts.subscriptions, logger: opts.logger,
      articles: { periodStories: (p: Parameters<ArticleStore['periodStories']>[0]) => {
        if (!opts.articles.periodStories) throw new Error('scheduled briefings need the article store\'s periodStories');
        return opts.articles.periodStories(p);
      } },
      summarizer: opts.summarizer ?? { tldr: (a: { dek: string; title: string }) => a.dek || a.title },
    };
  }

  async function postedVersion(row: Delivery, sub: Subscription | null): Promise<number> {
    if (row.kind === 'briefing') return row.targetVersion;
    if (!sub) return row.targetVersion - 1;
    try {
      return (await buildPost(row, sub)).version;
    } catch (err) {
      if (err instanceof Skip) return row.targetVersion - 1;
      throw err;
    }
  }

  async function buildPost(row: Delivery, sub: Subscription): Promise<{ reply: Reply; version: number }> {
    const timeZone = sub.tz ?? opts.timeZone;
    if (isBriefing(sub) && (row.kind === 'briefing' || row.kind === 'test')) return { reply: await briefingRunPost(briefingDeps(), row, sub, now()), version: row.targetVersion };
    if (row.kind === 'test') {
      const sample = JSON.parse(row.payload ?? '{}') as AlertArticle;
      return { reply: renderAlert(sample, sub, { timeZone, test: true, tldr: sample.dek }), version: 1 };
    }
    if (row.kind === 'digest' || row.kind === 'fold') {
      // Members recalled (or skipped) while held are not listed; nor retracted or killed stories.
      const members = (await opts.outbox.members(row.id)).filter((m) => m.state !== 'skipped' && m.state !== 'failed' && !m.deleteState);
      const articles = (await Promise.all(members.map((m) => opts.articles.get(m.articleId!, { includeHidden: true }))))
        .filter((a): a is NonNullable<typeof a> => a !== null && a.status !== 'retracted' && a.status !== 'killed');
      if (articles.length === 0) throw new Skip('nothing left to send (the held stories were retracted)');
      const label = groupLabel(row);
      return { reply: renderGroup(row.kind, articles, { timeZone, label }), version: 1 };
    }
    const article = await opts.articles.get(row.articleId!, { includeHidden: true });
    if (!article) throw new Skip('the article is no longer in the store');
    if (article.status === 'retracted') throw new Skip('retracted before it was sent');
    const others = await sourcesOf(row, article);
    const label = (await labelOf(row)) ?? article.verification;
    return { reply: renderAlert(article, sub, { timeZone, tldr: tldrOf(article), otherSources: others, label }), version: article.version };
  }

  /** The editor's label on the row's story (it wins over the source's; null without one). */
  async function labelOf(row: Delivery) {
    return opts.labels ? ((await opts.labels.label(row.storyId))?.label ?? null) : null;
  }

  async function editPreview(row: Delivery, port: OutboundPort): Promise<void> {
    try {
      if (!row.messageRef || !opts.approvals) {
        await opts.outbox.giveUpEdit(row.id, 'nothing to edit', now());
        return await settle(row, 'edit', false);
      }
      await withTimeout(port.edit(row.messageRef, await opts.approvals.render(row)), sendTimeoutMs);
      await opts.outbox.markEdited(row.id, row.targetVersion, null, now());
      platformProblems.delete(row.platform);
      await settle(row, 'edit', false);
    } catch (err) {
      await retries.failed(row, 'edit', err, null);
    }
  }

  async function edit(row: Delivery, port: OutboundPort): Promise<void> {
    if (row.kind === 'preview') return editPreview(row, port);
    const sub = await opts.subscriptions.get(row.subscriptionId);
    try {
      const article = row.articleId ? await opts.articles.get(row.articleId, { includeHidden: true }) : null;
      if (!article || !row.messageRef || !sub) {
        await opts.outbox.giveUpEdit(row.id, 'nothing to edit', now());
        return await settle(row, 'edit', false);
      }
      const timeZone = sub.tz ?? opts.timeZone;
      const tldr = tldrOf(article);
      const others = await sourcesOf(row, article);
      const label = (await labelOf(row)) ?? article.verification;
      await withTimeout(port.edit(row.messageRef, renderAlert(article, sub, { timeZone, tldr, otherSources: others, label })), sendTimeoutMs);
      if (sub.threads && (row.threadVersion ?? 0) < article.version) {
        const reply = await buildFollowUp(opts.articles, row, article, sub, { timeZone, tldr });
        await pacer.acquire(row.platform, row.channel, 'post', sleep);
        // Nothing dedupes a re-sent follow-up on Slack (the delivery id is only metadata there; Discord's nonce
        // holds for minutes): the follow-up is recorded in its own write as soon as it is accepted, so a failure
        // or crash after it retries the (idempotent) edit only. A reply that fails ambiguously is still re-sent.
        const threadRef = await withTimeout(port.replyInThread(row.messageRef, reply, { deliveryId: `${row.id}.${article.version}`, ...(sub.threadTs ? { thread: sub.threadTs } : {}) }), sendTimeoutMs)
          .finally(() => pacer.settled(row.platform, row.channel, 'post'));
        await opts.outbox.markThreaded(row.id, article.version, now(), threadRef);
      }
      await opts.outbox.markEdited(row.id, article.version, null, now());
      platformProblems.delete(row.platform);
      await settle(row, 'edit', false);
    } catch (err) {
      await retries.failed(row, 'edit', err, sub);
    }
  }

  /**
   * A recall or kill: the alert's thread replies, then the alert itself, are deleted; a story listed in a sent digest
   * or fold is removed from it (the group is edited, or deleted when nothing is left in it). "Already gone" is done;
   * a refusal is recorded for this message only (it pauses nothing); 429s, 5xx and timeouts come back later.
   */
  async function remove(row: Delivery, port: OutboundPort): Promise<void> {
    try {
      if (row.foldedInto) {
        const group = await opts.outbox.get(row.foldedInto);
        if (group?.messageRef) {
          const rest = (await opts.outbox.members(group.id)).filter((m) => m.id !== row.id && !m.deleteState && m.state === 'sent');
          const articles = (await Promise.all(rest.map((m) => opts.articles.get(m.articleId!, { includeHidden: true }))))
            .filter((a): a is NonNullable<typeof a> => a !== null && a.status !== 'retracted' && a.status !== 'killed');
          const sub = await opts.subscriptions.get(row.subscriptionId);
          const label = groupLabel(group);
          if (articles.length > 0) await withTimeout(port.edit(group.messageRef, renderGroup(group.kind as 'digest' | 'fold', articles, { timeZone: sub?.tz ?? opts.timeZone, label })), sendTimeoutMs);
          else await withTimeout(port.delete(group.messageRef), sendTimeoutMs);
        }
      } else {
        for (const reply of row.threadRefs) await withTimeout(port.delete(reply), sendTimeoutMs);
        if (row.messageRef) await withTimeout(port.delete(row.messageRef), sendTimeoutMs);
      }
      await opts.outbox.markDeleted(row.id, 'deleted', null, now());
      await settle(row, 'delete', false);
    } catch (err) {
      if (err instanceof Permanent) {
        opts.logger.warn({ delivery: row.id, code: err.code }, 'a recalled alert could not be deleted');
        await opts.outbox.markDeleted(row.id, 'failed', err.reason, now());
        return await settle(row, 'delete', false);
      }
      await retries.failed(row, 'delete', err, null);
    }
  }

  return {
    pacer,
    wake,
    start() {
      started = true;
      wake();
    },
    platformProblem: (platform) => platformProblems.get(platform) ?? null,
    onSettled(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop(drainMs = 5_000) {
      stopped = true;
      clearTimeout(timer);
      const drained = Promise.allSettled([...inFlight.values()]);
      let bound: NodeJS.Timeout | undefined;
      await Promise.race([drained, new Promise<void>((r) => (bound = setTimeout(r, drainMs)))]);
      clearTimeout(bound);
    },
  };
}

/** A digest's own title ("While stopped", after /alerts start) travels in its payload; quiet hours' has none. */
function groupLabel(group: Pick<Delivery, 'payload'>): string | undefined {
  return group.payload ? (JSON.parse(group.payload) as { label?: string }).label : undefined;
}
