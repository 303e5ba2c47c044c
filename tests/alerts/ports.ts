import { channelOfMessage, parseChannelRef, formatMessageRef, type ChannelRef, type MessageRef, type Platform } from '../../src/domain/channel.js';
import { Permanent, RetryLater, type ChannelCheck, type OutboundPort, type PostOptions } from '../../src/outbound/port.js';
import type { PlatformRateRules } from '../../src/outbound/rate-limits.js';
import type { Reply } from '../../src/core/reply.js';

export interface Sent {
  op: 'post' | 'edit' | 'thread' | 'delete';
  target: string;
  reply: Reply;
  deliveryId?: string;
}

/**
 * A test implementation of our OutboundPort: records what would reach the platform, and can be told to fail
 * (RetryLater / Permanent) or to dedupe by delivery id (as Discord's enforced nonce does).
 */
export class RecordingPort implements OutboundPort {
  readonly sent: Sent[] = [];
  private readonly failures: Array<{ op: Sent['op']; error: Error; afterWrite: boolean }> = [];
  private counter = 0;
  private readonly byDelivery = new Map<string, MessageRef>();
  findPosted?: (channel: ChannelRef, deliveryId: string, sinceMs: number) => Promise<MessageRef | null>;
  missing: string[] = [];
  /** A refusal that is no missing permission (checkChannel answers it as a sentence). */
  problem: string | undefined;
  /** Rate rules the test states for this port (none: unpaced). */
  readonly rateRules?: PlatformRateRules;

  constructor(
    readonly platform: Platform,
    private readonly opts: { dedupeByDeliveryId?: boolean; withHistory?: boolean; rateRules?: PlatformRateRules } = {},
  ) {
    this.rateRules = opts.rateRules;
    if (opts.withHistory) {
      this.findPosted = async (_channel, deliveryId) => this.byDelivery.get(deliveryId) ?? null;
    }
  }

  /** `afterWrite`: the platform keeps the message, then the call fails anyway (a 5xx or reset after the write). */
  failNext(op: Sent['op'], error: Error, opts: { afterWrite?: boolean } = {}): void {
    this.failures.push({ op, error, afterWrite: opts.afterWrite ?? false });
  }

  posts(): Sent[] {
    return this.sent.filter((s) => s.op === 'post');
  }

  private maybeFail(op: Sent['op'], afterWrite = false): void {
    const i = this.failures.findIndex((f) => f.op === op && f.afterWrite === afterWrite);
    if (i >= 0) throw this.failures.splice(i, 1)[0].error;
  }

  async post(channel: ChannelRef, reply: Reply, options?: PostOptions): Promise<MessageRef> {
    this.maybeFail('post');
    const existing = options?.deliveryId ? this.byDelivery.get(options.deliveryId) : undefined;
    if (existing && this.opts.dedupeByDeliveryId) return existing;
    const ref = formatMessageRef(channel, `m${++this.counter}`);
    if (options?.deliveryId) this.byDelivery.set(options.deliveryId, ref);
    this.sent.push({ op: 'post', target: channel, reply, deliveryId: options?.deliveryId });
    this.maybeFail('post', true);
    return ref;
  }

  async edit(message: MessageRef, reply: Reply): Promise<void> {
    this.maybeFail('edit');
    this.sent.push({ op: 'edit', target: message, reply });
    this.maybeFail('edit', true);
  }

  async replyInThread(message: MessageRef, reply: Reply, options?: PostOptions): Promise<MessageRef> {
    this.maybeFail('thread');
    this.sent.push({ op: 'thread', target: message, reply, deliveryId: options?.deliveryId });
    this.maybeFail('thread', true);
    return formatMessageRef(channelOfMessage(message), `t${++this.counter}`);
  }

  /** Messages deleted so far (a second delete of one is "already gone": done, not recorded twice). */
  readonly deleted = new Set<MessageRef>();

  async delete(message: MessageRef): Promise<void> {
    this.maybeFail('delete');
    if (this.deleted.has(message)) return;
    this.deleted.add(message);
    this.sent.push({ op: 'delete', target: message, reply: { kind: 'answer', cards: [] } as unknown as Reply });
    this.maybeFail('delete', true);
  }

  async checkChannel(channel: ChannelRef): Promise<ChannelCheck> {
    if (this.problem) return { ok: false, missing: [], problem: this.problem };
    return { ok: this.missing.length === 0, missing: this.missing, name: parseChannelRef(channel).channel };
  }
}

export { Permanent, RetryLater };
