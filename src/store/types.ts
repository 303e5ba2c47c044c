import { describeOrigin, type Article, type ArticleInput, type Origin } from '../domain/article.js';
import type { Delivery, NewDelivery, StoryRecord, StoryRecall } from '../domain/delivery.js';
import type { Actor, AuditEntry, MentionRule, NewSubscription, QuietHours, Scope, Subscription, SubscriptionHealth, ScopeStop } from '../domain/subscription.js';
import type { ChannelRef, Platform } from '../domain/channel.js';
import type { OpsChannel } from '../domain/ops.js';
import type { ApprovalDecision, StoryLabel } from '../domain/approval.js';

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

export interface UpsertResult {
  article: Article;
  outcome: UpsertOutcome;
  /** The version before this write, for 'updated' (and for a metadata-only change: what it was before). */
  previous?: Article;
  /** Stored without alerting (a feed's first poll): copied from ArticleInput.quiet. */
  quiet?: boolean;
  /**
   * With 'unchanged': same content, same version, but the stored row changed (a moved section, a fixed date).
   * Listeners hear of it (caches clear); it is not a new version, so nothing alerts.
   */
  metadataChanged?: boolean;
  /**
   * The embargo lifted with this change (its time came, or it was cleared or moved into the past): the story is
   * news from now on, as a new article would be (the fan-out queues its alerts now).
   */
  lifted?: boolean;
}

export interface ArticleFilter {
  section?: string;
  source?: string;
  /** Only articles published at or after this instant. */
  since?: Date;
}

export interface SearchQuery extends ArticleFilter {
  /** User words; reach FTS5 only as quoted terms. Empty → latest. */
  text?: string;
  limit: number;
  offset: number;
}

/**
 * One row of a result page: a story, shown by one of its articles (the member alerts show: the newsroom's own
 * first), with how many other sources carry it (same canonical link, or recorded as one story by the alerts pipeline).
 */
export type SearchItem = Article & { otherSources?: number };

export interface SearchPage {
  /** One row per story (see SearchItem). */
  items: SearchItem[];
  /** True when at least one more result exists after this page. */
  hasMore: boolean;
  /**
   * For text searches: 'all' when every word matched; 'any' when nothing had every word and the results
   * are those with any of them (a reply may say so). Absent for `latest`.
   */
  matched?: 'all' | 'any';
}

/** The period a briefing covers: publication time in [since, until), optionally one section. */
export interface PeriodStories {
  since: Date;
  until?: Date;
  section?: string;
}

/** One story of a period, as briefings rank it. */
export interface PeriodStory {
  /** The article shown for the story: its best-placed member (highest priority, then newest). */
  article: Article;
  /** The other stored articles of the story: the same canonical link, or a near-identical headline within 6 h. */
  duplicateIds: string[];
  /** Distinct sources carrying the story, the shown article's included. */
  sourceCount: number;
}

/**
 * Called inside the write transaction for every stored change (created, updated, or metadata only): what it writes through
 * the stores commits or rolls back with the article. It may be async; the transaction waits for it.
 */
export type ArticleChangeListener = (change: UpsertResult) => void | Promise<void>;

/** One stored version of an article, superseded or current: what a what-changed reply compares. */
export type StoredVersion = Pick<Article, 'version' | 'title' | 'dek' | 'body' | 'priority' | 'status' | 'contentHash' | 'updatedAt'>;

export interface ArticleStore {
  upsert(input: ArticleInput): Promise<UpsertResult>;
  /** Chunked transactions that yield to the event loop between chunks. */
  upsertMany(inputs: ArticleInput[], onProgress?: (done: number, total: number) => void): Promise<UpsertResult[]>;
  /**
   * Reader paths (every method here but `get`/`getByUrl` with `includeHidden`) never return a held (embargoed) or
   * killed story; the alerts pipeline and `/alerts why` ask with `includeHidden`.
   */
  get(id: string, opts?: { includeHidden?: boolean }): Promise<Article | null>;
  getByUrl(url: string, opts?: { includeHidden?: boolean }): Promise<Article | null>;
  /** One version of an article as it was stored (held and killed stories too: the alerts pipeline asks); null when unknown. */
  storedVersion(id: string, version: number): Promise<StoredVersion | null>;
  /**
   * Lifts every embargo due by `now`: each is a conditional write (held and due), so of several instances lifting at
   * once exactly one transaction lifts an article; the change listeners run in it (`lifted: true`). Returns the lifted.
   */
  liftDue(now: number): Promise<Article[]>;
  /** The earliest embargo still held, epoch ms, or null: what the lift timer is armed from. */
  nextEmbargoAt(): Promise<number | null>;
  /** Newest first. */
  latest(filter: ArticleFilter & { limit: number; offset: number }): Promise<SearchPage>;
  /** Every story of the period (not a page): the briefing's candidates, each with its sources and near-duplicates. */
  periodStories(period: PeriodStories): Promise<PeriodStory[]>;
  /** Ranked by bm25 blended with recency; filters applied inside the ranked subquery. */
  search(query: SearchQuery): Promise<SearchPage>;
  /** Headline suggestions for autocomplete: prefix-matching titles, newest first. */
  suggest(prefix: string, limit: number): Promise<Array<{ id: string; title: string }>>;
  sections(): Promise<string[]>;
  sources(): Promise<string[]>;
  count(): Promise<number>;
  /** After a large import: compact the search index (faster queries). Optional: not every backend needs it. */
  optimize?(): void | Promise<void>;
  /** Listeners run inside the write transaction (the alerts fan-out uses this). */
  onChange(listener: ArticleChangeListener): () => void;
  close(): Promise<void>;
}

/** Short-key storage for state that does not fit in a button id (Discord custom_id ≤ 100). */
export interface ActionStateStore {
  put(state: unknown): Promise<string>;
  get(key: string): Promise<unknown | null>;
}

/** Derived, disposable data (query results, summaries); invalidated on every store change. */
export interface DerivedCache {
  get<T>(key: string): T | undefined;
  set<T>(key: string, value: T): void;
  clear(): void;
}

/** The alert subscriptions: which channel gets which stories. */
export interface SubscriptionStore {
  create(input: NewSubscription, by: { id: string; name: string }, at: Date): Promise<Subscription>;
  get(id: string): Promise<Subscription | null>;
  /** A subscription of this scope (server or workspace), or null. */
  find(scope: Scope, id: string): Promise<Subscription | null>;
  list(scope: Scope): Promise<Subscription[]>;
  /** Every subscription not removed (paused ones included: their deliveries are recorded as skipped). */
  active(): Promise<readonly Subscription[]>;
  setPaused(id: string, paused: boolean, reason: string | null): Promise<void>;
  setQuiet(id: string, quiet: QuietHours | null): Promise<void>;
  setMentionRules(id: string, rules: MentionRule[]): Promise<void>;
  remove(id: string, at: Date): Promise<void>;
  health(ids: string[]): Promise<Map<string, SubscriptionHealth>>;
  /** `/alerts stop`: stores the scope's stop; false (nothing changed) when it is stopped already. */
  stopScope(stop: ScopeStop): Promise<boolean>;
  /** `/alerts start`: removes the scope's stop and returns it; null when it was not stopped. */
  startScope(scope: Scope): Promise<ScopeStop | null>;
  stopState(scope: Scope): Promise<ScopeStop | null>;
  /** Paused subscriptions (not removed) per pause reason as stored (for /metrics, which buckets the reasons). */
  pausedReasons(): Promise<Array<{ reason: string | null; count: number }>>;
}

export interface NewStoryMember {
  articleId: string;
  storyId: string;
  origin: Origin | null;
  canonicalUrl: string | null;
  titleKey: string;
  duplicateReason: string | null;
  quiet: boolean;
  seenAt: number;
}

/**
 * Stories: articles about one event across origins (the same canonical link, or a near-identical headline
 * within the window), their members, and which member's text the alert shows. Within one origin, distinct
 * articles are distinct stories. Alert dedupe, /alerts why and briefings read them.
 */
export interface StoryStore {
  story(articleId: string): Promise<StoryRecord | null>;
  addStory(s: NewStoryMember): Promise<void>;
  /** The story of the first article with this link from an origin other than `otherThan`. */
  storyByUrl(canonicalUrl: string, otherThan: Origin | null): Promise<string | null>;
  /** Headlines seen since then, oldest first (the near-duplicate index loads from this). */
  storiesSeenSince(sinceMs: number): Promise<Array<{ articleId: string; storyId: string; key: string; seenAt: number; origin: Origin | null }>>;
  /**
   * Stories recorded after `position` (in the order they were written) and seen since `sinceMs`, each with its
   * position: how an instance's near-duplicate index learns what other instances wrote since it last looked.
   * Story rows are written under the article write lock, so positions commit in order.
   */
  storiesAddedAfter(position: number, sinceMs: number): Promise<Array<{ articleId: string; storyId: string; key: string; seenAt: number; origin: Origin | null; position: number }>>;
  /** Every article of the story, in the order they arrived. */
  members(storyId: string): Promise<Array<{ articleId: string; origin: Origin | null; duplicateReason: string | null }>>;
  /** The member whose text the story's alerts show. */
  shown(storyId: string): Promise<string | null>;
  setShown(storyId: string, articleId: string): Promise<void>;
  /** A recall (one scope) or kill ('*'): false when the story is recalled there (or killed) already. */
  addRecall(r: StoryRecall): Promise<boolean>;
  /** The story's recalls and kill, oldest first. */
  recalls(storyId: string): Promise<StoryRecall[]>;
  /**
   * An editor's decision on the story in one approval channel (an overlay, never a version). A final decision is
   * written only over no decision or a hold, a hold only over nothing (APPROVAL_TRANSITIONS): of two at once, one wins
   * on every backend and instance. `current` is the decision stored after the write (the winner's).
   */
  decide(d: ApprovalDecision): Promise<{ won: boolean; current: ApprovalDecision }>;
  approval(storyId: string, channel: ChannelRef): Promise<ApprovalDecision | null>;
  /** Every approval channel's decision on the story, oldest first. */
  approvals(storyId: string): Promise<ApprovalDecision[]>;
  /** The editor's label on the story; true when it changed. */
  setLabel(l: StoryLabel): Promise<boolean>;
  label(storyId: string): Promise<StoryLabel | null>;
}

/**
 * The outbox: one delivery per (story, subscription), never two. Moves between states follow
 * DELIVERY_TRANSITIONS (src/domain/delivery.ts). Times are epoch ms from the application clock.
 */
export interface OutboxStore {
  /** Inserts unless the (story, subscription) pair already has a row; true when inserted. */
  insert(d: NewDelivery, now: number): Promise<boolean>;
  /** Inserts each row unless its (story, subscription) pair already has one, in one statement; how many were inserted. */
  insertMany(ds: readonly NewDelivery[], now: number): Promise<number>;
  get(id: string): Promise<Delivery | null>;
  forStory(storyId: string, subscriptionId: string): Promise<Delivery | null>;
  /** A new version of an article: rows showing it target that version; posted ones become due for an edit. */
  retarget(articleId: string, version: number, priorityRank: number, now: number): Promise<number>;
  /** Another member's text takes over the story's alerts: its rows render that article; posted ones get an edit. */
  reassign(storyId: string, articleId: string, version: number, priorityRank: number, now: number): Promise<number>;
  /**
   * A member from another origin joined the story ("+N sources"): its sent alerts become due for a sources-only edit,
   * at most one per row per 10 minutes (a row already due keeps its time and carries the count); posts and edits in
   * flight see the join when they finish. Sources-only edits come after every post and content edit in `due`.
   */
  sourcesJoined(storyId: string, now: number): Promise<number>;
  countPendingRoutine(subscriptionId: string): Promise<number>;
  /**
   * Approval (newsroom controls II). An editor approved the story in this approval channel: the story's waiting alerts
   * of the subscriptions that name it become pending, due now. Returns how many.
   */
  releaseWaiting(storyId: string, approvalChannel: ChannelRef, now: number): Promise<number>;
  /** Rejected, expired or retracted: the waiting alerts (of that approval channel, or every one with null) are skipped. */
  skipWaiting(storyId: string, approvalChannel: ChannelRef | null, reason: string, now: number): Promise<number>;
  /**
   * The story's previews (in one approval channel, or all with null) are to show something new: a posted one becomes due
   * for an edit (one in flight sees it when it finishes). `closed`: the approval is decided or held, so no expiry.
   */
  touchPreviews(storyId: string, approvalChannel: ChannelRef | null, now: number, closed: boolean): Promise<number>;
  /** The story's label changed: each alert posted on its own becomes due for one edit (several changes, one edit). */
  relabel(storyId: string, now: number): Promise<number>;
  openGroup(subscriptionId: string, kind: 'fold' | 'digest', storyId?: string): Promise<Delivery | null>;
  members(groupId: string): Promise<Delivery[]>;
  /**
   * Rows with work due now on these platforms: breaking before urgent before routine, oldest first. With
   * `buckets`, only rows of those sender buckets (senderBucket in src/domain/channel.ts): the ones this
   * instance holds the sending lease for, when several instances share the store.
   */
  due(now: number, platforms: Platform[], limit: number, buckets?: readonly string[]): Promise<Delivery[]>;
  /*
   * due, nextDueAt and dueBuckets leave out the rows of a stopped scope (SubscriptionStore.stopScope): every
   * instance holds them from the commit of the stop on.
   */
  nextDueAt(platforms: Platform[], after: number, buckets?: readonly string[]): Promise<number | null>;
  /** The sender buckets with work due by `before` on these platforms. */
  dueBuckets(before: number, platforms: Platform[]): Promise<string[]>;
  /**
   * Several instances: posts claimed by an instance that stopped (its heartbeat or the claim expired, by the
   * database's clock) go back to the queue in doubt (looked up before any re-post); edits it left half-done
   * become due again. Returns how many rows came back.
   */
  reclaimAbandoned?(now: number): Promise<number>;
  /** pending → sending, committed before the post leaves; false when another sender has it. */
  claimPost(id: string, now: number): Promise<boolean>;
  claimEdit(id: string, now: number): Promise<boolean>;
  markSent(id: string, messageRef: string, version: number, now: number): Promise<void>;
  /** A thread reply went out: its version, and its reference (deleted with the alert on a recall). */
  markThreaded(id: string, version: number, now: number, threadRef?: string): Promise<void>;
  /**
   * A recall or kill of a story for these subscriptions (null: every one): rows not yet sent are skipped with the
   * reason; posted ones (and those in flight: once they are found posted) become due for a delete, ahead of any post
   * or edit; a story listed in a sent digest or fold gets its line removed (the group is edited). Returns the rows.
   */
  recallRows(storyId: string, subscriptionIds: readonly string[] | null, reason: string, now: number): Promise<{ deletes: Delivery[]; skipped: number }>;
  /** A due delete: claimed like a post (one instance), false when another has it. */
  claimDelete(id: string, now: number): Promise<boolean>;
  markDeleted(id: string, state: 'deleted' | 'failed', note: string | null, now: number): Promise<void>;
  /** Every row of a story (each channel's outcome, for /alerts why after a recall). */
  forStoryAll(storyId: string): Promise<Delivery[]>;
  markEdited(id: string, version: number, threadVersion: number | null, now: number): Promise<void>;
  retry(id: string, dueAt: number, error: string, inDoubt: boolean, now: number): Promise<void>;
  /**
   * This sender's claim whose outcome could not be recorded (the store failed mid-delivery) goes back to the queue,
   * due at `now`: a post pending and in doubt (looked up before any re-post), an unfinished edit due again. A row
   * another sender holds, or one whose outcome was recorded after all, is left alone. True when a row came back.
   */
  releaseClaim(id: string, reason: string, now: number): Promise<boolean>;
  finish(id: string, state: 'failed' | 'skipped', reason: string, now: number): Promise<void>;
  giveUpEdit(id: string, reason: string, now: number): Promise<void>;
  markMembersSent(groupId: string, messageRef: string, now: number): Promise<void>;
  failMembers(groupId: string, reason: string, now: number): Promise<void>;
  skipQueued(subscriptionId: string, reason: string, now: number): Promise<number>;
  /** The workspace is gone (Slack app uninstalled): its queued rows fail with the reason, without being sent. */
  failQueued(subscriptionId: string, reason: string, now: number): Promise<number>;
  releaseDigests(subscriptionId: string, now: number): Promise<void>;
  /** Rows whose outcome is unknown (a crash mid-post), on one platform. */
  inDoubt(platform: Platform): Promise<Delivery[]>;
  /** Plain alerts of a subscription still waiting to be posted, created before `before` (held by a stop). */
  waitingSince(subscriptionId: string, before: number): Promise<Delivery[]>;
  /** Moves waiting rows into a digest row (pending → held, folded into it). */
  holdInto(ids: readonly string[], groupId: string, now: number): Promise<void>;
  /** Announces the subscriptions' due rows again (a stop ended): every instance's dispatcher looks at them. */
  nudge(subscriptionIds: readonly string[], now: number): Promise<void>;
  resumeEdits(now: number): Promise<number>;
  /** Rows per (state, platform), and how many are due by `now` (for /metrics). */
  stateCounts(now: number): Promise<Array<{ state: string; platform: string; rows: number; due: number }>>;
}

/**
 * Operations channels (one per server or workspace, named with /alerts ops) and the problems open in each scope.
 * A problem is opened once and closed once: the caller that opens or closes it posts the notice.
 */
export interface OpsStore {
  /** Names the scope's operations channel, or clears it (null). */
  setChannel(scope: Scope, target: { channel: ChannelRef; channelName: string | null } | null, by: { id: string; name: string }, at: Date): Promise<void>;
  channel(scope: Scope): Promise<OpsChannel | null>;
  /** Every scope's operations channel (newsroom-wide trouble, e.g. a failing feed, goes to each). */
  channels(): Promise<OpsChannel[]>;
  /** True when the problem was not open yet (this caller posts its notice). */
  openProblem(scope: Scope, cause: string, detail: string, at: number): Promise<boolean>;
  /** True when the problem was open (this caller posts the recovery). */
  closeProblem(scope: Scope, cause: string): Promise<boolean>;
  /** Open problems of a scope, oldest first. */
  problems(scope: Scope): Promise<Array<{ cause: string; detail: string; openedAt: number }>>;
}

/** Every change an admin (or the system) made to subscriptions. */
export interface AuditLog {
  append(at: Date, actor: Actor, scope: Scope, action: string, subscriptionId: string | null, detail?: Record<string, unknown>): Promise<void>;
  recent(scope: Scope, limit: number): Promise<AuditEntry[]>;
}

/** Polling state that survives a restart. Times are epoch ms. */
export interface FeedState {
  feedId: string;
  url: string;
  etag: string | null;
  lastModified: string | null;
  firstPollDone: boolean;
  lastAttemptAt: number | null;
  lastSuccessAt: number | null;
  nextPollAt: number | null;
  consecutiveFailures: number;
  failingSince: number | null;
  lastError: string | null;
}


export function freshFeedState(feedId: string, url: string): FeedState {
  return {
    feedId, url, etag: null, lastModified: null, firstPollDone: false, lastAttemptAt: null, lastSuccessAt: null,
    nextPollAt: null, consecutiveFailures: 0, failingSince: null, lastError: null,
  };
}


export interface FeedStateStore {
  get(feedId: string): Promise<FeedState | null>;
  save(s: FeedState): Promise<void>;
  /** A feed whose URL changed starts over: its items are forgotten. */
  forgetItems(feedId: string): Promise<void>;
  /** When this item was first seen in this feed (the date of an undated item), or null. */
  firstSeen(feedId: string, articleId: string): Promise<number | null>;
  markSeen(feedId: string, articleIds: string[], now: number): Promise<void>;
  /**
   * Several instances: claims the feed's poll due at `now` by moving its next poll to `holdUntil` (the poller
   * saves the real schedule after the poll). Returns the stored state when this caller got it, null when another
   * instance claimed it first (its next poll is later than `now`). Times are the application's.
   */
  claimPoll?(feedId: string, url: string, now: number, holdUntil: number): Promise<FeedState | null>;
}

/**
 * Every store over one database, and one way to write several of them atomically. `transaction(fn)`: what
 * `fn` writes through any of these stores (and what article-change listeners write) commits together or not
 * at all; calls made outside any transaction commit on their own. SQLite: BEGIN IMMEDIATE on its one
 * connection behind an in-process async lock. Nested calls join the outer transaction.
 */
export interface Store {
  readonly backend: 'sqlite' | 'postgres';
  articles: ArticleStore;
  subscriptions: SubscriptionStore;
  stories: StoryStore;
  outbox: OutboxStore;
  audit: AuditLog;
  feedState: FeedStateStore;
  /** Operations channels and the problems open in each scope. */
  ops: OpsStore;
  actionState: ActionStateStore;
  /** What the alerts pacer learned about limits the platforms do not publish. */
  pacingState: PacingStateStore;
  /** Publishes from announcement channels over the last hour, shared by every instance (Discord's publish limit). */
  publishLog: PublishLogStore;
  /** Slack workspaces that installed Newsdesk (OAuth mode), tokens sealed; and the install flow's pending states. */
  slackInstallations: SlackInstallationRows;
  oauthStates: OAuthStateRows;
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` after the current transaction commits (not if it rolls back); at once outside a transaction. */
  afterCommit(fn: () => void): void;
  /**
   * Calls `fn` after every committed outbox write that may give a row a due time (a row due now or later: a
   * digest, a retry, a held row), so whoever sends can arm its timer from the store's next due time. On SQLite
   * the writes of this process (the only one); on PostgreSQL every instance's, through NOTIFY (and once after the
   * listening connection reconnects). Calls are coalesced; returns the unsubscribe.
   */
  onOutboxChange(fn: () => void): () => void;
  /**
   * What instances sharing one database coordinate through (PostgreSQL only): leases, liveness, wake-ups.
   * Absent on SQLite, where one process owns the file and everything it does is singleton work already.
   */
  coordination?: Coordination;
  /** For /readyz: the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** What one instance's writes tell the others (NOTIFY in the writing transaction, LISTEN on each instance). */
export type CoordinationTopic = 'outbox' | 'articles' | 'subscriptions';

/** A running instance, as the others see it. */
export interface InstanceInfo {
  id: string;
  host: string;
  pid: number;
  /** What the instance was configured with, compared at start (a differing feed list is warned about). */
  feeds: string | null;
  timeZone: string | null;
}

/**
 * Instances on one database: each has a random id per process start, a heartbeat row that expires by the
 * database's clock, named leases (one holder at a time, expiring by the database's clock), and wake-ups
 * through one dedicated connection (LISTEN), so a pool closing idle clients never drops them.
 */
export interface Coordination {
  readonly instanceId: string;
  /** Registers this instance and starts the heartbeat and the listening connection. */
  start(info: { feeds: string | null; timeZone: string | null }): Promise<void>;
  /** The other live instances (heartbeat not expired). */
  liveInstances(): Promise<InstanceInfo[]>;
  /**
   * Takes the named lease if it is free or expired, or renews it if this instance holds it, for `ttlMs` from the
   * database's clock. True while held. A holder that cannot renew must stop the work before `ttlMs` is out.
   */
  acquire(name: string, ttlMs: number): Promise<boolean>;
  release(name: string): Promise<void>;
  /**
   * A start slot shared by every instance (e.g. Discord's one IDENTIFY per 5 s per bucket, a limit of the bot,
   * not of an instance): takes it if the last taker's `spacingMs` are over (0), else how many ms remain.
   */
  takeSlot(name: string, spacingMs: number): Promise<number>;
  /** Leases whose name starts with `prefix`, with their live holders. */
  leases(prefix: string): Promise<Array<{ name: string; holder: string }>>;
  /** Called on every NOTIFY of `topic` (from any instance, this one included) and after the listener reconnects. */
  listen(topic: CoordinationTopic, fn: () => void): () => void;
  /** How far the database's clock is ahead of this process's (negative: behind), measured now. */
  clockOffsetMs?(): Promise<number>;
  stop(): Promise<void>;
}

/** An article id owned by another origin: refused, never overwritten (push answers 409 naming the owner). */
export class OriginConflict extends Error {
  constructor(public readonly id: string, public readonly owner: Origin | null) {
    super(`article ${id} belongs to ${describeOrigin(owner)}`);
    this.name = 'OriginConflict';
  }
}

/** A posting ceiling the alerts pacer learned for one workspace (Slack does not publish it). */
export interface LearnedCeilingRow {
  platform: string;
  workspace: string;
  perMinute: number;
  learnedAt: Date;
}

/**
 * What the alerts pacer learned about limits the platforms keep to themselves, kept across restarts so a restart
 * (or the instance taking over the sending) starts from it instead of learning again.
 */
export interface PacingStateStore {
  loadCeilings(): Promise<LearnedCeilingRow[]>;
  saveCeiling(row: LearnedCeilingRow): Promise<void>;
}

/** One channel's publishes and holds within a window (epoch ms from the application clock). */
export interface PublishWindow {
  published: number;
  held: number;
  /** Why the latest hold happened, if any publish was held in the window. */
  lastProblem: string | null;
}

/**
 * A channel's publishes (Discord announcement channels: about 10 an hour), counted in the store so that every
 * instance, and an instance after a restart, sees the same hour. Entries older than the window are dropped.
 */
export interface PublishLogStore {
  /**
   * Takes one publish of the channel at `at`: when fewer than `limit` were published since `at - windowMs`, records
   * it as published and answers its id; otherwise records a hold with `heldProblem` and answers null. Atomic across
   * instances (two instances never both take the last publish).
   */
  take(channel: string, at: number, limit: number, windowMs: number, heldProblem: string): Promise<number | null>;
  /** A taken publish the platform refused: it becomes a hold with the reason (and no longer counts as published). */
  refused(id: number, problem: string): Promise<void>;
  /** The channel's publishes and holds since `since`. */
  window(channel: string, since: number): Promise<PublishWindow>;
}

/**
 * One Slack installation as stored: what finds it in clear, the tokens sealed (AES-256-GCM, src/store/secret-box.ts)
 * by SlackInstallationStore before they reach a backend. `key` is the team id, or the enterprise id of an org-wide
 * install (`isEnterpriseInstall`). Times are epoch ms.
 */
export interface StoredSlackInstallation {
  key: string;
  teamId: string | null;
  enterpriseId: string | null;
  isEnterpriseInstall: boolean;
  teamName: string | null;
  botUserId: string | null;
  botId: string | null;
  /** Bot scopes granted, in Slack's order. */
  scopes: string[];
  /** When the bot token expires (token rotation), or null. */
  tokenExpiresAt: number | null;
  installerUserId: string | null;
  installedAt: number;
  updatedAt: number;
  /** The tokens (bot token, refresh token) and Bolt's installation record, sealed and bound to `key`. */
  sealed: string;
}

/** The backends' part: rows as they are, sealed. `put` replaces the row of its key. */
export interface SlackInstallationRows {
  put(row: StoredSlackInstallation): Promise<void>;
  get(key: string): Promise<StoredSlackInstallation | null>;
  /** True when a row was deleted. */
  delete(key: string): Promise<boolean>;
  /** Every installation, by key. */
  list(): Promise<StoredSlackInstallation[]>;
}

/**
 * A Slack installation as the app uses it (tokens in clear, in memory only). Built and read by
 * SlackInstallationStore (src/store/slack-installations.ts) over SlackInstallationRows.
 */
export interface SlackInstallation {
  teamId: string | null;
  enterpriseId: string | null;
  isEnterpriseInstall: boolean;
  teamName: string | null;
  appId: string | null;
  botToken: string;
  botUserId: string | null;
  botId: string | null;
  scopes: string[];
  refreshToken: string | null;
  /** Epoch ms, or null without token rotation. */
  tokenExpiresAt: number | null;
  installerUserId: string | null;
  installedAt: number;
}

/** Which installation: a workspace (team id), or an organization for an org-wide install. */
export interface SlackInstallationQuery {
  teamId?: string | null;
  enterpriseId?: string | null;
  isEnterpriseInstall?: boolean;
}

export interface SlackInstallationStore {
  store(installation: SlackInstallation, now: number): Promise<void>;
  /** An org-wide install answers for every team of its enterprise when the team has none of its own. */
  fetch(query: SlackInstallationQuery): Promise<SlackInstallation | null>;
  /** True when one was deleted. */
  delete(query: SlackInstallationQuery): Promise<boolean>;
  /** Who is installed (no tokens). */
  list(): Promise<Array<Omit<StoredSlackInstallation, 'sealed'>>>;
}

/** The OAuth install flow's `state` values, kept server-side: each used once, before it expires (epoch ms). */
export interface OAuthStateRows {
  /** `id` is a hash of the state value (the value itself is not stored). */
  put(id: string, payload: string, expiresAt: number): Promise<void>;
  /** Deletes and answers the payload when the state exists and has not expired at `now`; null otherwise. */
  take(id: string, now: number): Promise<string | null>;
}
