import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Dispatcher } from '../core/dispatcher.js';
import type { Reply } from '../core/reply.js';
import { senderBucket, type ChannelRef, type MessageRef, type Platform } from '../domain/channel.js';
import { channelOfMessage } from '../domain/channel.js';
import { Permanent, RetryLater, type OutboundPort, type PostOptions } from '../outbound/port.js';
import type { UpsertResult } from '../store/types.js';

/**
 * `/metrics` in Prometheus text format (prom-client), on its own port (METRICS_PORT, loopback unless METRICS_HOST
 * says otherwise), apart from the one HTTP server that faces the platforms and the CMS.
 *
 * Labels are bounded and carry no article text, user ids, channel ids or tokens: command names are the registered
 * ones (anything else is `unknown`), platforms and outcomes are fixed words, a sender bucket is the platform or a
 * Slack workspace (team) id — as many as installed workspaces, never a channel.
 */
export interface MetricsSources {
  /** Outbox rows per (state, platform) and how many are due now. */
  outbox?: () => Promise<Array<{ state: string; platform: string; rows: number; due: number }>>;
  /** Feeds by status (ok, failing, pending, disabled). */
  feeds?: () => ReadonlyArray<{ status: string }>;
  /** Leases this instance holds, by kind (sender, shard, …), several instances only. */
  leases?: () => Promise<Record<string, number>>;
  /** True from the moment a stop begins. */
  draining?: () => boolean;
  /** Paused subscriptions per stored pause reason (free text: bucketed by pauseReasonLabel). */
  pausedSubscriptions?: () => Promise<Array<{ reason: string | null; count: number }>>;
  /** Discord gateway heartbeat round trips, per shard this instance runs. */
  discordPing?: () => Array<{ shard: number; ms: number }>;
  /** The article an outbox delivery is for (to time ingest → first post). */
  deliveryArticle?: (deliveryId: string) => Promise<string | null>;
}

/** Articles waiting for their first post, at most this many (the oldest are forgotten first). */
const FIRST_POST_WATCH = 10_000;

/**
 * A stored pause reason as a bounded label: `admin` for /alerts pause ("paused by <name>": the name stays out), the
 * platform's error code for an automatic pause ("slack: … (channel_not_found)"), else `other`.
 */
export function pauseReasonLabel(reason: string | null): string {
  if (reason === null || /^paused by /.test(reason)) return 'admin';
  return /\(([A-Za-z0-9_.-]{1,40})\)$/.exec(reason)?.[1] ?? 'other';
}

const OUTCOMES = ['ok', 'retry_later', 'rate_limited', 'permanent', 'error'] as const;
type CallOutcome = (typeof OUTCOMES)[number];

export class Metrics {
  readonly registry = new Registry();
  private readonly commands: Counter<'command' | 'platform' | 'outcome'>;
  private readonly commandSeconds: Histogram<'command' | 'platform'>;
  private readonly outbound: Counter<'platform' | 'bucket' | 'operation' | 'outcome'>;
  private readonly rateLimited: Counter<'platform' | 'bucket'>;
  private readonly retries: Counter<'platform' | 'bucket'>;
  private readonly ingested: Counter<'origin' | 'outcome'>;
  private readonly firstPost: Histogram<'origin' | 'platform'>;
  /** New articles by id: when ingest wrote them (real elapsed time, performance.now()) and where posted already. */
  private readonly awaitingPost = new Map<string, { at: number; origin: string; posted: Set<string> }>();
  private sources: MetricsSources = {};
  private server: Server | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.commands = new Counter({
      name: 'newsdesk_commands_total', help: 'Commands answered, by command name, platform and outcome (answer, error, refused)',
      labelNames: ['command', 'platform', 'outcome'], registers,
    });
    this.commandSeconds = new Histogram({
      name: 'newsdesk_command_duration_seconds', help: 'Time from a command reaching the core to its answer',
      labelNames: ['command', 'platform'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers,
    });
    this.outbound = new Counter({
      name: 'newsdesk_outbound_calls_total', help: 'Posts, edits, thread replies and deletes through the platforms, by sender bucket and outcome',
      labelNames: ['platform', 'bucket', 'operation', 'outcome'], registers,
    });
    this.rateLimited = new Counter({
      name: 'newsdesk_outbound_rate_limited_total', help: 'Platform refusals with a rate limit (429), by sender bucket',
      labelNames: ['platform', 'bucket'], registers,
    });
    this.retries = new Counter({
      name: 'newsdesk_outbound_retries_total', help: 'Outbound calls answered "retry later" (429, 5xx, timeouts), by sender bucket',
      labelNames: ['platform', 'bucket'], registers,
    });
    this.ingested = new Counter({
      name: 'newsdesk_articles_ingested_total', help: 'Articles written by ingest, by origin kind (push, files, feed) and outcome (created, updated, unchanged)',
      labelNames: ['origin', 'outcome'], registers,
    });
    this.firstPost = new Histogram({
      name: 'newsdesk_ingest_to_first_post_seconds', help: 'From a new article written by ingest (push, files, feed poll) to its first alert posted, per platform',
      labelNames: ['origin', 'platform'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800], registers,
    });
    const self = this;
    new Gauge({
      name: 'newsdesk_outbox_rows', help: 'Alert outbox rows by state and platform', labelNames: ['state', 'platform'], registers,
      async collect() {
        this.reset();
        const due = new Map<string, number>();
        for (const r of (await self.sources.outbox?.().catch(() => [])) ?? []) {
          this.set({ state: r.state, platform: r.platform }, r.rows);
          due.set(r.platform, (due.get(r.platform) ?? 0) + (r.state === 'pending' || r.state === 'sending' ? r.due : 0));
        }
        dueGauge.reset();
        for (const [platform, n] of due) dueGauge.set({ platform }, n);
      },
    });
    const dueGauge = new Gauge({
      name: 'newsdesk_outbox_due', help: 'Alert outbox rows due now (waiting to be sent), by platform', labelNames: ['platform'], registers,
    });
    new Gauge({
      name: 'newsdesk_feeds', help: 'Configured feeds by status (ok, failing, pending, disabled)', labelNames: ['status'], registers,
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const f of self.sources.feeds?.() ?? []) counts.set(f.status, (counts.get(f.status) ?? 0) + 1);
        for (const [status, n] of counts) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'newsdesk_leases_held', help: 'Leases this instance holds, by kind (several instances on PostgreSQL)', labelNames: ['kind'], registers,
      async collect() {
        this.reset();
        const held: Record<string, number> = (await self.sources.leases?.().catch(() => ({}))) ?? {};
        for (const [kind, n] of Object.entries(held)) this.set({ kind }, n);
      },
    });
    new Gauge({
      name: 'newsdesk_subscriptions_paused', help: 'Paused alert subscriptions by reason: admin, or the platform error code that paused it (else other)',
      labelNames: ['reason'], registers,
      async collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const r of (await self.sources.pausedSubscriptions?.().catch(() => [])) ?? []) {
          const label = pauseReasonLabel(r.reason);
          counts.set(label, (counts.get(label) ?? 0) + r.count);
        }
        for (const [reason, n] of counts) this.set({ reason }, n);
      },
    });
    new Gauge({
      name: 'newsdesk_discord_gateway_ping_seconds', help: 'Discord gateway heartbeat round trip, per shard this instance runs', labelNames: ['shard'], registers,
      collect() {
        this.reset();
        for (const p of self.sources.discordPing?.() ?? []) this.set({ shard: String(p.shard) }, p.ms / 1000);
      },
    });
    new Gauge({
      name: 'newsdesk_draining', help: '1 from the moment a stop (SIGTERM/SIGINT) begins', registers,
      collect() {
        this.set(self.sources.draining?.() ? 1 : 0);
      },
    });
  }

  /** Where the gauges read from, set once the app has its store and feeds. */
  setSources(sources: MetricsSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  /** Every write ingest makes (one per article): origin kind and outcome only, never the article. */
  countIngest(change: UpsertResult): void {
    const origin = change.article.origin;
    const kind = origin === 'push' || origin === 'files' ? origin : origin?.startsWith('feed:') ? 'feed' : 'other';
    this.ingested.inc({ origin: kind, outcome: change.outcome });
    if (change.outcome !== 'created' || change.quiet) return;
    this.awaitingPost.set(change.article.id, { at: performance.now(), origin: kind, posted: new Set() });
    if (this.awaitingPost.size > FIRST_POST_WATCH) this.awaitingPost.delete(this.awaitingPost.keys().next().value!);
  }

  /** A post went out: the first one for its article on this platform is timed from the article's ingest. */
  private async firstPostOf(platform: string, deliveryId: string | undefined): Promise<void> {
    if (!deliveryId || this.awaitingPost.size === 0 || !this.sources.deliveryArticle) return;
    const articleId = await this.sources.deliveryArticle(deliveryId).catch(() => null);
    const entry = articleId ? this.awaitingPost.get(articleId) : undefined;
    if (!entry || entry.posted.has(platform)) return;
    entry.posted.add(platform);
    this.firstPost.observe({ origin: entry.origin, platform }, (performance.now() - entry.at) / 1000);
  }

  /** The dispatcher with every command counted and timed (what adapters use in its place). */
  instrument(dispatcher: Dispatcher): Dispatcher {
    const known = new Set(dispatcher.commands.map((c) => c.name));
    const name = (n: string) => (known.has(n) ? n : 'unknown');
    const timed = async (command: string, platform: Platform, run: () => Promise<Reply>): Promise<Reply> => {
      const end = this.commandSeconds.startTimer({ command, platform });
      try {
        const reply = await run();
        this.commands.inc({ command, platform, outcome: reply.kind });
        return reply;
      } catch (err) {
        this.commands.inc({ command, platform, outcome: 'error' });
        throw err;
      } finally {
        end();
      }
    };
    return {
      get commands() {
        return dispatcher.commands;
      },
      find: (n) => dispatcher.find(n),
      prepare: (invocation) => {
        const prepared = dispatcher.prepare(invocation);
        if ('kind' in prepared) this.commands.inc({ command: name(invocation.command), platform: invocation.platform, outcome: 'refused' });
        return prepared;
      },
      execute: (prepared) => timed(name(prepared.command.name), prepared.invocation.platform, () => dispatcher.execute(prepared)),
      dispatch: (invocation) => timed(name(invocation.command), invocation.platform, () => dispatcher.dispatch(invocation)),
      action: (invocation, action) => dispatcher.action(invocation, action),
      autocomplete: (invocation, option, partial) => dispatcher.autocomplete(invocation, option, partial),
    };
  }

  /** The port with every outbound call counted by platform, sender bucket, operation and outcome. */
  instrumentPort<P extends OutboundPort>(port: P): P {
    const platform = port.platform;
    const count = async <T>(operation: string, channel: ChannelRef, call: () => Promise<T>): Promise<T> => {
      const bucket = senderBucket(platform, channel);
      let outcome: CallOutcome = 'ok';
      try {
        return await call();
      } catch (err) {
        if (err instanceof RetryLater) {
          outcome = err.rateLimit ? 'rate_limited' : 'retry_later';
          this.retries.inc({ platform, bucket });
          if (err.rateLimit) this.rateLimited.inc({ platform, bucket });
        } else outcome = err instanceof Permanent ? 'permanent' : 'error';
        throw err;
      } finally {
        this.outbound.inc({ platform, bucket, operation, outcome });
      }
    };
    const self = this;
    return new Proxy(port, {
      get(target, prop) {
        const value = Reflect.get(target, prop);
        if (typeof value !== 'function') return value;
        switch (prop) {
          case 'post':
            return async (channel: ChannelRef, reply: Reply, options?: PostOptions) => {
              const ref = await count('post', channel, () => value.call(target, channel, reply, options));
              void self.firstPostOf(platform, options?.deliveryId);
              return ref;
            };
          case 'edit':
          case 'replyInThread':
          case 'delete':
            return (message: MessageRef, ...rest: unknown[]) =>
              count(prop === 'replyInThread' ? 'thread_reply' : prop, channelOfMessage(message), () => value.call(target, message, ...rest));
          default:
            return value.bind(target);
        }
      },
    });
  }

  /** Serves GET /metrics; answers the bound address. */
  async serve(port: number, host: string): Promise<AddressInfo> {
    this.server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        () => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics failed\n'),
      );
    });
    this.server.headersTimeout = 5_000;
    this.server.requestTimeout = 10_000;
    this.server.maxConnections = 64;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
