import { z } from 'zod';
import { defineCommand, type CommandContext } from '../src/core/command.js';
import { UserError } from '../src/core/errors.js';
import { answer, type Reply, type ReplyItem } from '../src/core/reply.js';
import { clip, titleCase } from '../src/core/text.js';
import { relativeTime } from '../src/core/time.js';
import type { SearchItem, SearchPage } from '../src/store/types.js';
import type { Article } from '../src/domain/article.js';
import type { Verification } from '../src/domain/approval.js';
import { resolveSince, sectionOption, sectionSchema, sinceOption, sinceSchema } from './shared-options.js';

export const PAGE_SIZE = 5;
const MAX_PAGE = 50;

const schema = z.object({
  query: z.string().trim().max(300).optional(),
  section: sectionSchema.optional(),
  source: z.string().trim().min(1).max(120).optional(),
  since: sinceSchema.optional(),
  page: z.coerce.number().int().min(1).max(MAX_PAGE).default(1),
});

type NewsInput = z.infer<typeof schema>;

/** A page request that a "More" button carries. Short keys keep it inside Discord's 100-character custom_id. */
interface PageState {
  q?: string;
  s?: string;
  o?: string;
  t?: string;
  p: number;
}

export const news = defineCommand({
  name: 'news',
  description: 'Latest stories, or search them',
  permission: 'everyone',
  options: {
    query: { kind: 'string', description: 'Words to search for', rest: true, example: 'modi', maxLength: 300 },
    section: sectionOption,
    source: { kind: 'string', description: 'Only this source', autocomplete: 'sources', maxLength: 120 },
    since: sinceOption,
    page: { kind: 'integer', description: 'Page of results', minValue: 1, maxValue: MAX_PAGE, example: '2' },
  },
  schema,
  examples: ['/news', '/news modi', '/news query:"prime minister" since:7d section:world page:2'],
  run: (ctx, input) => newsPage(ctx, input),
  async onAction(ctx, action) {
    const state = await decodePageState(ctx, action);
    if (!state) throw new UserError('This button has expired. Run /news again.');
    return newsPage(ctx, {
      query: state.q,
      section: state.s,
      source: state.o,
      since: state.t,
      page: Math.min(state.p, MAX_PAGE),
    });
  },
});

async function newsPage(ctx: CommandContext, input: NewsInput): Promise<Reply> {
  const { articles, cache } = ctx.services;
  const now = ctx.now();
  const since = input.since ? resolveSince(input.since, now) : undefined;
  const filter = { section: input.section, source: input.source, since, limit: PAGE_SIZE, offset: (input.page - 1) * PAGE_SIZE };
  const cacheKey = `news:${JSON.stringify({ ...input, since: since?.toISOString().slice(0, 16) })}`;
  let page = cache.get<SearchPage>(cacheKey);
  if (!page) {
    page = input.query ? await articles.search({ ...filter, text: input.query }) : await articles.latest(filter);
    cache.set(cacheKey, page);
  }

  const scope = describeScope(input);
  if (page.items.length === 0) {
    const what = input.page > 1 ? `No more stories${scope}.` : `No stories found${scope}.`;
    return answer({ text: `${what} Try fewer words or a longer since: (e.g. since:30d).` });
  }

  const labels = await labelsOf(ctx, page.items);
  const title = input.query ? `Results for “${clip(input.query, 80)}”` : 'Latest news';
  const reply = answer({
    visibility: 'channel',
    shareable: true,
    cards: [
      {
        title: `${title}${input.page > 1 ? ` · page ${input.page}` : ''}`,
        items: page.items.map((a) => toItem(a, now, labels.get(a.id) ?? a.verification)),
        footer: 'Use /summary <id> for the key points of a story',
      },
    ],
  });
  if (page.hasMore && input.page < MAX_PAGE) {
    const action = await encodePageState(ctx, {
      q: input.query, s: input.section, o: input.source, t: input.since, p: input.page + 1,
    });
    reply.buttons = [{ label: 'More', action, style: 'secondary' }];
  }
  return reply;
}

function describeScope(input: NewsInput): string {
  const parts = [
    input.query ? ` for “${clip(input.query, 60)}”` : '',
    input.section ? ` in ${input.section}` : '',
    input.source ? ` from ${input.source}` : '',
    input.since ? ` since ${input.since}` : '',
  ];
  return parts.join('');
}

/** Each story's verification label (an editor's wins over the source's); read after the cache, so a new label shows at once. */
export async function labelsOf(ctx: CommandContext, items: ReadonlyArray<Pick<Article, 'id' | 'verification'>>): Promise<Map<string, Verification>> {
  return ctx.services.labels ? ctx.services.labels.forArticles(items) : new Map();
}

export function toItem(a: SearchItem, now: Date, label: Verification | null = a.verification ?? null): ReplyItem {
  // One row per story: the other sources carrying it are counted, not listed as rows of their own.
  const others = a.otherSources ? `+${a.otherSources} source${a.otherSources === 1 ? '' : 's'}` : '';
  const meta = [relativeTime(a.publishedAt, now), titleCase(a.section), a.source, label, others].filter(Boolean).join(' · ');
  return {
    title: a.status === 'retracted' ? `RETRACTED: ${a.title}` : a.title,
    url: a.url ?? undefined,
    text: a.dek ? clip(a.dek, 200) : undefined,
    meta,
    id: a.id,
    priority: a.priority,
  };
}

const INLINE_PREFIX = 'news:p:';
const STORED_PREFIX = 'news:k:';
const MAX_ACTION_LENGTH = 100;

async function encodePageState(ctx: CommandContext, state: PageState): Promise<string> {
  const inline = INLINE_PREFIX + Buffer.from(JSON.stringify(state)).toString('base64url');
  if (inline.length <= MAX_ACTION_LENGTH) return inline;
  return STORED_PREFIX + (await ctx.services.actionState.put(state));
}

async function decodePageState(ctx: CommandContext, action: string): Promise<PageState | null> {
  let raw: unknown = null;
  try {
    if (action.startsWith(INLINE_PREFIX)) {
      raw = JSON.parse(Buffer.from(action.slice(INLINE_PREFIX.length), 'base64url').toString('utf8'));
    } else if (action.startsWith(STORED_PREFIX)) {
      raw = await ctx.services.actionState.get(action.slice(STORED_PREFIX.length));
    }
  } catch {
    return null;
  }
  const parsed = pageStateSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

const pageStateSchema = z.object({
  q: z.string().max(300).optional(),
  s: z.string().max(60).optional(),
  o: z.string().max(120).optional(),
  t: sinceSchema.optional(),
  p: z.number().int().min(1),
});
