import type { Article } from '../domain/article.js';
import type { ArticleStore } from '../store/types.js';
import { buildBriefing } from '../summarize/briefing.js';
import type { Summarizer } from '../summarize/types.js';
import type { Card } from './reply.js';
import { titleCase } from './text.js';

/**
 * The briefing of a period, as cards: one per section, its top stories with their one-sentence summaries. One
 * builder for `/summary` (commands/summary.ts, which falls back to the most recent stories when the period is empty)
 * and the scheduled briefings (src/alerts, which say "Nothing new since …" instead, never older stories again).
 */

export interface BriefingDeps {
  articles: Pick<ArticleStore, 'periodStories'>;
  summarizer: Pick<Summarizer, 'tldr'>;
}

export interface BriefingPeriod {
  since: Date;
  until: Date;
  /** Only these sections (lower-case); empty or absent: every section. */
  sections?: readonly string[];
}

export type BriefingCandidate = Article & { sourceCount?: number; duplicateIds?: string[] };

/** Every story of the period (not a search page), each with its sources and near-duplicates; [] when none. */
export async function periodCandidates(deps: Pick<BriefingDeps, 'articles'>, period: BriefingPeriod): Promise<BriefingCandidate[]> {
  const sections = (period.sections ?? []).map((s) => s.toLowerCase());
  const one = sections.length === 1 ? sections[0] : undefined;
  const stories = await deps.articles.periodStories({ since: period.since, until: period.until, section: one });
  return stories
    .filter((s) => sections.length <= 1 || sections.includes(s.article.section.toLowerCase()))
    .map((s) => ({ ...s.article, sourceCount: s.sourceCount, duplicateIds: s.duplicateIds }));
}

/** The candidates ranked into sections, as cards. */
export function briefingCards(candidates: BriefingCandidate[], summarizer: Pick<Summarizer, 'tldr'>, now: Date): Card[] {
  return buildBriefing(candidates, summarizer, { now }).map((s) => ({
    title: titleCase(s.section),
    items: s.items.map((item) => ({
      title: item.title,
      url: item.url ?? undefined,
      text: item.tldr,
      id: item.id,
      priority: item.priority,
      meta: item.mergedIds.length ? `+${item.mergedIds.length} similar` : undefined,
    })),
  }));
}

/** The period's briefing as cards, or [] when nothing was published in it. */
export async function briefingOfPeriod(deps: BriefingDeps, period: BriefingPeriod): Promise<Card[]> {
  const candidates = await periodCandidates(deps, period);
  return candidates.length === 0 ? [] : briefingCards(candidates, deps.summarizer, period.until);
}
