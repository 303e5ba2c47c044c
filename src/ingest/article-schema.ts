import { z } from 'zod';
import { inFeedIdSpace, type ArticleInput } from '../domain/article.js';
import { cleanedString, hasLoneSurrogate, hasUnsafeText } from './clean-text.js';

/**
 * One schema for `data/*.json` files and `POST /v1/articles` bodies (snake_case, as editors write JSON).
 * Ids are autocomplete values on Discord, hence ≤ 100 characters.
 */
const isoDate = z
  .string()
  .trim()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'a date such as 2026-11-25T09:30:00Z')
  .transform((s) => new Date(s).toISOString());

const NOT_UNICODE = 'not valid Unicode: an unpaired surrogate (half of an emoji?)';

/**
 * An id is shown, typed and compared: printable characters only. Refused, never cleaned: `tx-sam\0e` cleaned
 * would be `tx-same`, another article's id.
 */
const articleId = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .superRefine((id, ctx) => {
    const problem = hasLoneSurrogate(id)
      ? NOT_UNICODE
      : /[\p{Cc}\p{Cf}\p{Co}\p{Cn}]/u.test(id)
        ? 'printable characters only: no control, bidirectional or invisible characters'
        : /[\s\p{Z}#]/u.test(id)
          ? 'no spaces or #'
          : inFeedIdSpace(id)
            ? 'takes the form of a feed item\'s id ("<feed id>:…", reserved for feeds); use another separator, such as "-"'
            : null;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * Free text: control characters and bidirectional overrides are removed before the checks
 * (src/ingest/clean-text.ts); an unpaired surrogate is refused.
 */
function text(schema: z.ZodString) {
  return z.preprocess(cleanedString, schema.refine((s) => !hasLoneSurrogate(s), NOT_UNICODE));
}

/** Links are refused, not cleaned, when they hold what clean-text removes: a cleaned link is another link. */
function link(schema: z.ZodURL) {
  return schema
    .refine((s) => !hasUnsafeText(s), 'no control or bidirectional characters')
    .refine((s) => !hasLoneSurrogate(s), NOT_UNICODE);
}

export const articleJsonSchema = z
  .object({
    id: articleId.optional(),
    url: link(z.url({ protocol: /^https?$/ })).optional().nullable(),
    title: text(z.string().trim().min(1, 'a headline is required').max(500)),
    dek: text(z.string().max(2000)).optional(),
    body: text(z.string().max(200_000)).optional(),
    section: text(z.string().trim().max(60)).optional(),
    topics: z.array(text(z.string().trim().min(1).max(60))).max(30).optional(),
    source: text(z.string().trim().max(120)).optional(),
    author: text(z.string().trim().max(200)).optional(),
    published_at: isoDate.optional(),
    updated_at: isoDate.optional(),
    priority: z.enum(['breaking', 'urgent', 'routine']).optional(),
    status: z.enum(['published', 'corrected', 'retracted', 'killed']).optional(),
    image_url: link(z.url({ protocol: /^https?$/ })).optional().nullable(),
    related: z.array(z.object({ title: text(z.string().max(500)), url: link(z.url()).optional() })).max(20).optional(),
    // An embargo: the story stays hidden and unalerted until then. A zone is required (a bare local time is ambiguous);
    // null clears it (the story is published now). How far ahead is checked by the store (it holds the clock).
    embargo_until: z
      .string()
      .trim()
      .regex(/(?:Z|[+-]\d{2}:?\d{2})$/i, 'a time with Z or an offset, such as 2026-11-25T09:00:00Z')
      .refine((s) => !Number.isNaN(Date.parse(s)), 'a time with Z or an offset, such as 2026-11-25T09:00:00Z')
      .transform((s) => new Date(s).toISOString())
      .nullable()
      .optional(),
    // How sure the source is; null clears it. A change edits the story's posted alerts (no new version).
    verification: z.enum(['confirmed', 'developing', 'unverified'], { error: 'one of confirmed, developing, unverified' }).nullable().optional(),
  })
  .strict();

export type ArticleJson = z.infer<typeof articleJsonSchema>;

/** One article or an array of them. */
export const articleJsonPayloadSchema = z.union([articleJsonSchema, z.array(articleJsonSchema).min(1).max(1000)]);

export function articleJsonToInput(a: ArticleJson, fallbackId?: string): ArticleInput {
  return {
    id: a.id,
    url: a.url ?? null,
    title: a.title,
    dek: a.dek,
    body: a.body,
    section: a.section,
    topics: a.topics,
    source: a.source,
    author: a.author,
    publishedAt: a.published_at,
    updatedAt: a.updated_at,
    priority: a.priority,
    status: a.status,
    imageUrl: a.image_url ?? null,
    related: a.related,
    ...(a.embargo_until !== undefined ? { embargoUntil: a.embargo_until } : {}),
    ...(a.verification !== undefined ? { verification: a.verification } : {}),
    fallbackId,
  };
}

/** zod issues as one short line each, naming the field: for warnings and 400 answers. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 10).map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`);
}
