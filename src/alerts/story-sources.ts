import type { Article } from '../domain/article.js';
import type { ArticleStore, StoryStore } from '../store/types.js';

/** Sources named on an alert ("+7 sources: A, B, C, D, E and 2 more"); the rest are counted. */
export const SOURCES_NAMED = 5;

export interface StorySourcesDeps {
  stories: Pick<StoryStore, 'members'>;
  articles: Pick<ArticleStore, 'get'>;
}

/**
 * The other outlets carrying a story: distinct `source` values of its members other than the one shown, in the order
 * they joined, without the shown article's own source; retracted and killed members do not count. `without`: as if
 * that member had not joined.
 */
export async function otherSources(deps: StorySourcesDeps, storyId: string, shown: Pick<Article, 'id' | 'source'>, opts: { without?: string } = {}): Promise<string[]> {
  const members = (await deps.stories.members(storyId)).filter((m) => m.articleId !== shown.id && m.articleId !== opts.without);
  if (members.length === 0) return [];
  const articles = await Promise.all(members.map((m) => deps.articles.get(m.articleId, { includeHidden: true })));
  const seen = new Set([sourceKey(shown.source)]);
  const names: string[] = [];
  for (const a of articles) {
    if (!a || a.status === 'retracted' || a.status === 'killed') continue;
    const name = a.source.trim();
    if (!name || seen.has(sourceKey(name))) continue;
    seen.add(sourceKey(name));
    names.push(name);
  }
  return names;
}

const sourceKey = (s: string): string => s.trim().replace(/\s+/g, ' ').toLowerCase();

/** "+1 source: AP", "+3 sources: AP, Reuters, AFP", "+7 sources: A, B, C, D, E and 2 more"; null for none. */
export function sourcesLine(names: readonly string[]): string | null {
  if (names.length === 0) return null;
  const shown = names.slice(0, SOURCES_NAMED).join(', ');
  const rest = names.length - SOURCES_NAMED;
  return `+${names.length} ${names.length === 1 ? 'source' : 'sources'}: ${shown}${rest > 0 ? ` and ${rest} more` : ''}`;
}
