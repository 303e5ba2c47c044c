import type { Verification } from './approval.js';

/** The article: what every source produces, the store keeps, commands show and alerts deliver. */
export type Priority = 'breaking' | 'urgent' | 'routine';
export const PRIORITIES: readonly Priority[] = ['breaking', 'urgent', 'routine'];
/** 0 breaking, 1 urgent, 2 routine: the order alerts go out in. */
export const PRIORITY_RANK: Record<Priority, number> = { breaking: 0, urgent: 1, routine: 2 };

/** `killed`: the newsroom's kill (push API): the story leaves every reader path and its alerts are deleted everywhere. */
export type ArticleStatus = 'published' | 'corrected' | 'retracted' | 'killed';

/**
 * Where an article came in: the newsroom's own push API or its data/ files, or one polled feed. Stored apart
 * from the free-text `source`. An article is changed only by its own origin; the same link from another
 * origin is the same story (alert dedupe) but never overwrites it.
 */
export type Origin = 'push' | 'files' | `feed:${string}`;

export function isNewsroomOrigin(origin: Origin | null | undefined): boolean {
  return origin === 'push' || origin === 'files';
}

/** A feed's id (data/feeds.json): short and lower-case, because it prefixes the ids of the feed's items. */
const FEED_ID_FORM = '[a-z0-9][a-z0-9-]{0,29}';
export const FEED_ID = new RegExp(`^${FEED_ID_FORM}$`);
const FEED_ITEM_ID = new RegExp(`^${FEED_ID_FORM}:`);

/**
 * Feeds store their items as `<feed id>:<guid>`. Each origin owns its id space, so a pushed or filed id never
 * takes that form, whether or not such a feed is configured yet: a feed added later must not find its ids taken.
 */
export function inFeedIdSpace(id: string): boolean {
  return FEED_ITEM_ID.test(id.trim());
}

export function feedOrigin(feedId: string): Origin {
  return `feed:${feedId}`;
}

/** Names the owner in words an editor reads: "the push API", "data/ files", "feed wire-a". */
export function describeOrigin(origin: Origin | null): string {
  if (origin === 'push') return 'the push API';
  if (origin === 'files') return 'data/ files';
  if (origin?.startsWith('feed:')) return `feed ${origin.slice(5)}`;
  return 'an earlier version of Newsdesk (origin unknown)';
}

export interface RelatedLink {
  title: string;
  url?: string;
}

/** A stored article: one row, current version. Times are ISO 8601 strings (UTC). */
export interface Article {
  id: string;
  url: string | null;
  /** https, no fragment, no utm_*, no trailing slash */
  canonicalUrl: string | null;
  title: string;
  dek: string;
  body: string;
  section: string;
  topics: string[];
  source: string;
  author: string;
  publishedAt: string;
  updatedAt: string;
  priority: Priority;
  status: ArticleStatus;
  imageUrl: string | null;
  related: RelatedLink[];
  version: number;
  /** Hash of the whitespace-normalised title, dek, body, priority and status. */
  contentHash: string;
  /** When this row was first stored here. */
  ingestedAt: string;
  /** Who may change it; null for a row stored before origins existed (a newsroom origin may adopt it). */
  origin: Origin | null;
  /**
   * Held until this time (ISO 8601, UTC): invisible on every reader path and never alerted until the store lifts it
   * (a stored change), after which it is null. Not part of the content: setting, moving or clearing it is no new version.
   */
  embargoUntil: string | null;
  /**
   * How sure the source is (confirmed | developing | unverified), or null. Not part of the content: a change is no new
   * version, but edits the story's posted alerts once. An editor's label on the story (StoryStore) wins over it.
   */
  verification: Verification | null;
}

/** What a source hands the store (files, feeds, HTTP push all produce this). */
export interface ArticleInput {
  id?: string;
  url?: string | null;
  title: string;
  dek?: string;
  body?: string;
  section?: string;
  topics?: string[];
  source?: string;
  author?: string;
  publishedAt?: string;
  /** When the source gives no date: the date a new article gets. An article already stored keeps its own. */
  firstSeenAt?: string;
  updatedAt?: string;
  priority?: Priority;
  status?: ArticleStatus;
  imageUrl?: string | null;
  related?: RelatedLink[];
  /** Fallback id when neither an id nor a URL is given (e.g. the file name). */
  fallbackId?: string;
  /** Where it came in (default: push). Decides who may change it, and its hash-derived id. */
  origin?: Origin;
  /** Store and index it, but raise no alert (first poll of a new feed); handed on to change listeners. */
  quiet?: boolean;
  /**
   * An embargo (ISO 8601 with Z or an offset): the story stays hidden and unalerted until then. Omitted keeps what is
   * stored; null clears it (lifts now), as does a time already past.
   */
  embargoUntil?: string | null;
  /** The source's verification label: omitted keeps what is stored; null clears it. */
  verification?: Verification | null;
}

/** Embargoes further ahead than this are refused (a typo in the year, not a plan). */
export const MAX_EMBARGO_MS = 365 * 24 * 60 * 60 * 1000;

/** An embargo that cannot be stored as asked: the field and a short reason, for a 400 or a file warning. */
export class EmbargoRefused extends Error {
  constructor(public readonly id: string, public readonly field: string, reason: string) {
    super(reason);
    this.name = 'EmbargoRefused';
  }
}

/** A write to an article the newsroom killed: refused (the push API answers 409 naming the kill); nothing is written. */
export class ArticleKilled extends Error {
  constructor(public readonly id: string) {
    super(`article ${id} was killed by the newsroom; it cannot be changed or republished under this id`);
    this.name = 'ArticleKilled';
  }
}
