import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { FEED_ID } from '../../domain/article.js';

/**
 * data/feeds.json, validated once at start. Errors name the feed and the field, because an editor fixing
 * the file needs to know which of twenty entries is wrong.
 */
export const MIN_INTERVAL_MINUTES = 2;
export const DEFAULT_INTERVAL_MINUTES = 10;

const priority = z.enum(['breaking', 'urgent', 'routine']);

const regexSource = z
  .string()
  .min(1)
  .max(300)
  .superRefine((source, ctx) => {
    try {
      new RegExp(source, 'iu');
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${(err as Error).message})` });
    }
  });

const ruleSchema = z
  .object({
    if: z
      .object({
        /** Case-insensitive. */
        titleStartsWith: z.string().trim().min(1).max(100).optional(),
        /** A regular expression, matched case-insensitively against the title. */
        titleMatches: regexSource.optional(),
        /** Any of the item's categories/tags equals one of these, case-insensitively. */
        category: z.union([z.string().trim().min(1), z.array(z.string().trim().min(1)).min(1)]).optional(),
      })
      .strict()
      .refine((c) => Object.values(c).some((v) => v !== undefined), 'give at least one condition: titleStartsWith, titleMatches or category'),
    then: z
      .object({
        priority: priority.optional(),
        section: z.string().trim().min(1).max(60).optional(),
        /** Removes the titleStartsWith prefix (and a following ":", "-" or "|") from the headline. */
        stripPrefix: z.boolean().optional(),
        /** The verification label the matching items carry (a word on their alerts). */
        verification: z.enum(['confirmed', 'developing', 'unverified'], { error: 'one of confirmed, developing, unverified' }).optional(),
      })
      .strict()
      .refine((a) => a.priority || a.section || a.stripPrefix || a.verification, 'give at least one action: priority, section, stripPrefix or verification'),
  })
  .strict()
  .refine((r) => !r.then.stripPrefix || r.if.titleStartsWith, {
    message: 'stripPrefix needs a titleStartsWith condition',
    path: ['then', 'stripPrefix'],
  });

export type FeedRule = z.infer<typeof ruleSchema>;

const feedSchema = z
  .object({
    name: z.string().trim().min(1, 'a name is required').max(80),
    /** Short, stable key: prefixes article ids and keys the saved polling state. Default: from the name. */
    id: z.string().regex(FEED_ID, 'lower-case letters, digits and "-", at most 30').optional(),
    url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }),
    enabled: z.boolean().default(true),
    section: z.string().trim().min(1).max(60).default('news'),
    /** Shown as the article's source; default: the feed's name. */
    source: z.string().trim().min(1).max(120).optional(),
    priority: priority.default('routine'),
    intervalMinutes: z
      .number()
      .min(MIN_INTERVAL_MINUTES, `at least ${MIN_INTERVAL_MINUTES} minutes (be polite to the publisher)`)
      .max(24 * 60, 'at most 1440 minutes (a day)')
      .default(DEFAULT_INTERVAL_MINUTES),
    rules: z.array(ruleSchema).max(50).default([]),
  })
  .strict();

const feedsFileSchema = z
  .object({
    /** Free text for editors; ignored. */
    $comment: z.string().optional(),
    feeds: z.array(feedSchema).max(500),
  })
  .strict();

export interface FeedConfig extends z.infer<typeof feedSchema> {
  id: string;
  source: string;
}

export class FeedsConfigError extends Error {}

export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 30)
    .replace(/-+$/, '');
  return slug || 'feed';
}

/** Parses the feeds file's JSON text; `where` names the file in errors. */
export function parseFeedsConfig(text: string, where = 'feeds.json'): FeedConfig[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new FeedsConfigError(`${where}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = feedsFileSchema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 10).map((issue) => `  ${describePath(data, issue.path)}: ${issue.message}`);
    throw new FeedsConfigError(`${where} is invalid:\n${lines.join('\n')}`);
  }
  const feeds = parsed.data.feeds.map((f) => ({ ...f, id: f.id ?? slugify(f.name), source: f.source ?? f.name }));
  const problems: string[] = [];
  const seenIds = new Map<string, string>();
  const seenNames = new Set<string>();
  for (const f of feeds) {
    if (seenNames.has(f.name.toLowerCase())) problems.push(`  feed "${f.name}": name: used by two feeds`);
    seenNames.add(f.name.toLowerCase());
    const other = seenIds.get(f.id);
    if (other) problems.push(`  feed "${f.name}": id: "${f.id}" is also the id of "${other}"; give one an explicit "id"`);
    seenIds.set(f.id, f.name);
  }
  if (problems.length) throw new FeedsConfigError(`${where} is invalid:\n${problems.join('\n')}`);
  return feeds;
}

/** A missing file means "no feeds"; an invalid one stops start-up with the reasons. */
export function loadFeedsConfig(path: string): FeedConfig[] {
  if (!existsSync(path)) return [];
  return parseFeedsConfig(readFileSync(path, 'utf8'), path);
}

/** `feeds[3].rules[0].if.titleMatches` → `feed "Wire" (feeds[3]) → rules[0].if.titleMatches`. */
function describePath(data: unknown, path: PropertyKey[]): string {
  if (path[0] !== 'feeds' || typeof path[1] !== 'number') return path.map(String).join('.') || '(file)';
  const entry = (data as { feeds: unknown[] }).feeds[path[1]];
  const name = typeof (entry as { name?: unknown })?.name === 'string' ? `"${(entry as { name: string }).name}" ` : '';
  const rest = path
    .slice(2)
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  return `feed ${name}(feeds[${path[1]}])${rest ? ` → ${rest}` : ''}`;
}
