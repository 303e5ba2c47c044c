import { z } from 'zod';
import { defineCommand, type CommandContext } from '../src/core/command.js';
import { UserError } from '../src/core/errors.js';
import { answer, type Card, type Reply } from '../src/core/reply.js';
import { clip, looksLikeUrl, titleCase } from '../src/core/text.js';
import { relativeTime, sinceWords } from '../src/core/time.js';
import { briefingCards, periodCandidates, type BriefingCandidate } from '../src/core/briefing.js';
import { SENTENCES_FOR_LENGTH, type SummaryLength } from '../src/summarize/types.js';
import type { Article } from '../src/domain/article.js';
import { resolveArticle } from './resolve-article.js';
import { labelsOf } from './news.js';
import { resolveSince, sectionOption, sectionSchema, sinceOption, sinceSchema } from './shared-options.js';

const BRIEFING_DEFAULT_SINCE = '24h';
/** With nothing in the period, the most recent stories stand in (a page is enough: they are only a fallback). */
const FALLBACK_CANDIDATES = 100;
const RUNNERS_UP = 3;

const schema = z.object({
  article: z.string().trim().min(1).max(500).optional(),
  length: z.enum(['short', 'standard', 'long']).default('standard'),
  since: sinceSchema.optional(),
  section: sectionSchema.optional(),
});
type SummaryInput = z.infer<typeof schema>;

export const summary = defineCommand({
  name: 'summary',
  description: "An article's key points, or a briefing of the top stories",
  permission: 'everyone',
  mayBeSlow: true,
  options: {
    article: {
      kind: 'string',
      description: 'Article id, link or words of its headline (leave out for a briefing)',
      rest: true,
      autocomplete: 'articles',
      maxLength: 500,
    },
    length: {
      kind: 'string',
      description: 'How long: short (1 sentence), standard (3), long (5)',
      choices: [
        { name: 'short', value: 'short' },
        { name: 'standard', value: 'standard' },
        { name: 'long', value: 'long' },
      ],
    },
    since: { ...sinceOption, description: `Briefing period (default ${BRIEFING_DEFAULT_SINCE})` },
    section: sectionOption,
  },
  schema,
  examples: ['/summary modi moscow visit', '/summary 000_3374571737b0a5b7 length:short', '/summary since:7d section:world'],
  run: (ctx, input) => (input.article ? articleSummary(ctx, input.article, input.length) : briefing(ctx, input)),
});

async function articleSummary(ctx: CommandContext, ref: string, length: SummaryLength): Promise<Reply> {
  const resolved = await resolveArticle(ctx, ref, RUNNERS_UP);
  if (!resolved) {
    throw new UserError(
      looksLikeUrl(ref)
        ? 'No stored article has that link. Try /news to find it.'
        : `No article matches “${clip(ref, 60)}”. Try /news ${clip(ref, 30)} to look for it.`,
    );
  }
  const { article, others } = resolved;
  const sentences = summarize(ctx, article, SENTENCES_FOR_LENGTH[length]);
  const now = ctx.now();
  const label = (await labelsOf(ctx, [article])).get(article.id) ?? article.verification;
  const card: Card = {
    title: article.title,
    url: article.url ?? undefined,
    text: sentences.map((s) => `• ${s}`).join('\n'),
    priority: article.priority,
    badge: badgeFor(article),
    struck: article.status === 'retracted',
    footer: [titleCase(article.section), article.source, label, relativeTime(article.publishedAt, now), `id ${article.id}`]
      .filter(Boolean)
      .join(' · '),
    timestamp: article.publishedAt,
  };
  if (others.length) {
    card.fields = [
      {
        name: 'Other matches',
        value: others.map((o) => `${o.id} — ${clip(o.title, 90)}`).join('\n'),
      },
    ];
  }
  return answer({
    visibility: 'channel',
    shareable: true,
    text: others.length ? `Best match for “${clip(ref, 60)}”:` : undefined,
    cards: [card],
  });
}

function summarize(ctx: CommandContext, article: Article, n: number): string[] {
  const key = `summary:${article.id}:${article.version}:${n}`;
  const cached = ctx.services.cache.get<string[]>(key);
  if (cached) return cached;
  const sentences = ctx.services.summarizer.summarize(article, n);
  const result = sentences.length ? sentences : [clip(article.dek || article.body || article.title, 300)];
  ctx.services.cache.set(key, result);
  return result;
}

function badgeFor(a: Article): string | undefined {
  if (a.status === 'retracted') return 'RETRACTED';
  if (a.status === 'corrected') return 'CORRECTED';
  if (a.priority === 'breaking') return 'BREAKING';
  return undefined;
}

async function briefing(ctx: CommandContext, input: SummaryInput): Promise<Reply> {
  const store = ctx.services.articles;
  const now = ctx.now();
  const sinceText = input.since ?? BRIEFING_DEFAULT_SINCE;
  const since = resolveSince(sinceText, now);
  // One builder for /summary and the scheduled briefings (src/core/briefing.ts); the fallback is /summary's own.
  let candidates: BriefingCandidate[] = await periodCandidates({ articles: store }, { since, until: now, sections: input.section ? [input.section] : [] });
  let note = `Top stories ${sinceWords(sinceText)}${input.section ? ` in ${input.section}` : ''}`;
  if (candidates.length === 0) {
    const page = await store.latest({ section: input.section, limit: FALLBACK_CANDIDATES, offset: 0 });
    if (page.items.length === 0) {
      throw new UserError(input.section ? `No stories in ${input.section} yet.` : 'No stories in the store yet.');
    }
    candidates = page.items;
    note = `Nothing new ${sinceWords(sinceText)}${input.section ? ` in ${input.section}` : ''}; here are the most recent stories`;
  }
  return answer({
    visibility: 'channel',
    shareable: true,
    text: `${note}:`,
    cards: briefingCards(candidates, ctx.services.summarizer, now),
  });
}
