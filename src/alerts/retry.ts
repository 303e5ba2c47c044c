import { type Platform } from '../domain/channel.js';
import { Permanent, RetryLater, type OutboundPort, type PostedHint } from '../outbound/port.js';
import type { Logger } from '../log.js';
import type { OutboxStore } from '../store/types.js';
import type { Operation, Pacer } from './pacing.js';
import type { Delivery } from '../domain/delivery.js';
import type { Subscription } from '../domain/subscription.js';

/**
 * What happens after a delivery attempt fails, and how rows whose outcome is unknown (a crash, a timeout) are
 * checked before any re-post. The dispatcher decides what to send; this decides when and whether to try again.
 */

const BACKOFF_BASE_MS = 2_000;
const BACKOFF_MAX_MS = 5 * 60_000;
/** The bot itself was refused (revoked token): the platform's deliveries wait this long before trying again. */
const BOT_REFUSED_HOLD_MS = 5 * 60_000;

/** Not an error: the row is done without sending (paused, removed, retracted). */
export class Skip extends Error {}

/** Asking the platform whether an in-doubt post went out failed: retry, and ask again before posting. */
export class StillInDoubt extends Error {
  constructor(readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

export async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RetryLater(1_000, `no answer within ${ms} ms (timeout)`, { inDoubt: true })), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface RetryPolicyOptions {
  outbox: OutboxStore;
  logger: Logger;
  pacer: Pacer;
  now: () => number;
  maxAttempts: number;
  sendTimeoutMs: number;
  /** Why a platform is held (the bot itself was refused); shared with the dispatcher, which clears it on success. */
  platformProblems: Map<Platform, string>;
  pauseSubscription(sub: Subscription, reason: string): Promise<void>;
  settle(row: Delivery, operation: Operation, retrying: boolean): Promise<void>;
  sleep(ms: number): Promise<void>;
}

export interface RetryPolicy {
  /** Records a failed attempt: permanent (fail, pause or hold the platform), or back to the queue with a delay. */
  failed(row: Delivery, op: Operation, err: unknown, sub: Subscription | null): Promise<void>;
  /** A digest's or fold's members fail with it: they would otherwise wait for a group that never goes out. */
  failRow(row: Delivery, reason: string, at: number): Promise<void>;
  /**
   * For a row in doubt, asks the platform (where its port can) whether the post already went out: its message
   * reference, or null when it did not or the port cannot tell. Throws StillInDoubt when asking failed. `hint`: what
   * the post shows (its headline and link), for platforms that recognise a post by it (Discord forum posts).
   */
  findIfPosted(row: Delivery, port: OutboundPort, hint?: () => Promise<PostedHint | undefined>, thread?: string): Promise<string | null>;
  reconcile(platform: Platform): Promise<void>;
  isReconciled(platform: Platform): boolean;
}

export function createRetryPolicy(opts: RetryPolicyOptions): RetryPolicy {
  const { outbox, logger, pacer, now, maxAttempts, platformProblems } = opts;
  const reconciled = new Set<Platform>();

  async function failed(row: Delivery, op: Operation, err: unknown, sub: Subscription | null): Promise<void> {
    const at = now();
    // A Permanent refusal of the history check (e.g. missing_scope) is a refusal of the channel: treat it as one.
    if (err instanceof StillInDoubt && err.cause instanceof Permanent) err = err.cause;
    const attempts = row.attempts + 1;
    if (err instanceof Permanent) {
      const reason = `${row.platform}: ${err.reason} (${err.code})`;
      if (err.scope === 'bot') {
        // Every channel of the platform would fail the same way: hold them all, pause none, and say so loudly.
        platformProblems.set(row.platform, reason);
        pacer.block(row.platform, row.channel, BOT_REFUSED_HOLD_MS, true);
        logger.error({ platform: row.platform, code: err.code }, `${row.platform} refused the bot itself: alert deliveries are held (${err.reason})`);
        await outbox.retry(row.id, at + BOT_REFUSED_HOLD_MS, reason, false, at);
        return await opts.settle(row, op, true);
      }
      logger.warn({ delivery: row.id, subscription: row.subscriptionId, code: err.code, scope: err.scope, op }, `alert ${op} failed permanently`);
      if (op === 'edit') await outbox.giveUpEdit(row.id, reason, at);
      else {
        await failRow(row, reason, at);
        // A refused message (its content) fails alone; a refused channel pauses the subscription.
        if (err.scope === 'channel' && sub && row.kind !== 'test') await opts.pauseSubscription(sub, reason);
      }
      return await opts.settle(row, op, false);
    }
    let stillInDoubt = false;
    if (err instanceof StillInDoubt) {
      stillInDoubt = true;
      err = err.cause;
    }
    const retryLater = err instanceof RetryLater ? err : null;
    const message = retryLater ? retryLater.reason : err instanceof Error ? err.message : String(err);
    if (attempts >= maxAttempts) {
      const reason = `gave up after ${attempts} attempts: ${message}`;
      if (op === 'edit') await outbox.giveUpEdit(row.id, reason, at);
      else if (op === 'delete') await outbox.markDeleted(row.id, 'failed', reason, at);
      else await failRow(row, reason, at);
      logger.warn({ delivery: row.id, op }, `alert ${op} ${reason}`);
      return await opts.settle(row, op, false);
    }
    const delay = retryLater ? retryLater.delayMs : Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempts - 1));
    if (retryLater?.rateLimit) pacer.limited(row.platform, row.channel, op, delay, retryLater.rateLimit);
    else if (retryLater) pacer.block(row.platform, row.channel, delay, false);
    // A RetryLater is proof nothing was posted only when it is a refusal (429, ratelimited): a timeout, an
    // unexpected error, or a failure the port marks inDoubt (5xx, reset connection, Slack's fatal_error) may come
    // after the message was written, so the next attempt asks the platform (findPosted) or re-sends the same nonce.
    const inDoubt = op === 'post' && (stillInDoubt || !retryLater || retryLater.inDoubt || /time(d)? ?out|abort/i.test(retryLater.reason));
    await outbox.retry(row.id, at + delay, message, inDoubt, at);
    logger.info({ delivery: row.id, op, delayMs: delay, reason: message }, `alert ${op} will be retried`);
    await opts.settle(row, op, true);
  }

  async function failRow(row: Delivery, reason: string, at: number): Promise<void> {
    await outbox.finish(row.id, 'failed', reason, at);
    if (row.kind === 'digest' || row.kind === 'fold') await outbox.failMembers(row.id, reason, at);
  }

  async function findIfPosted(row: Delivery, port: OutboundPort, hint?: () => Promise<PostedHint | undefined>, thread?: string): Promise<string | null> {
    if (!row.inDoubt || !port.findPosted) return null;
    try {
      const shows = await hint?.();
      await pacer.acquire(row.platform, row.channel, 'check', opts.sleep);
      return await withTimeout(port.findPosted(row.channel, row.id, row.createdAt - 60_000, shows, thread), opts.sendTimeoutMs);
    } catch (err) {
      // Could not ask (429, timeout): the outcome is still unknown, so the next attempt must ask again.
      throw new StillInDoubt(err);
    }
  }

  /**
   * Rows a crash left 'sending' have an unknown outcome: they go back to the queue marked in doubt, and post()
   * asks the platform first where it can (Slack history with our metadata, paced like any request) before any
   * re-post; Discord re-posts with the same enforced nonce, which Discord dedupes. Nothing here waits on the
   * network, so a platform with many rows in doubt is not blocked while they are checked.
   */
  async function reconcile(platform: Platform): Promise<void> {
    if (reconciled.has(platform)) return;
    reconciled.add(platform);
    const at = now();
    const rows = await outbox.inDoubt(platform);
    for (const row of rows) await outbox.retry(row.id, at, 'outcome unknown after a restart: checked before any re-post', true, at);
    const edits = await outbox.resumeEdits(at);
    logger.info({ platform, inDoubt: rows.length, edits }, 'alert outbox reconciled after start');
  }

  return { failed, failRow, findIfPosted, reconcile, isReconciled: (p) => reconciled.has(p) };
}
