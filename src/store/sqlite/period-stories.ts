import type { Database } from 'better-sqlite3';
import { groupDuplicates } from '../../summarize/briefing.js';
import type { PeriodStories, PeriodStory } from '../types.js';
import { keyFloor, rowToArticle, type ArticleRow } from './article-rows.js';
import { PRIORITY_RANK } from '../../domain/article.js';

/**
 * Every story of a period, for briefings: all articles published in it (not a search page), folded into
 * stories: the stories the alerts pipeline recorded (alert_stories: same link across origins, near-identical
 * headline within 6 h), joined with what the articles themselves show (groupDuplicates: the same rule, for
 * articles stored before the pipeline ran or without it). Grouping runs over the whole period whatever the
 * section asked for, so a section briefing and the all-sections one agree about the same story; then the
 * section filters.
 */
export function periodStories(db: Database, filter: PeriodStories): PeriodStory[] {
  const params: unknown[] = [keyFloor(filter.since.getTime())];
  let range = 'pub_key >= ?';
  if (filter.until && !Number.isNaN(filter.until.getTime())) {
    range += ' AND pub_key < ?';
    params.push(keyFloor(filter.until.getTime()));
  }
  const rows = db.prepare(`SELECT * FROM articles WHERE ${range} ORDER BY pub_key DESC`).all(...params) as ArticleRow[];
  // Best placed first (priority, then newest), so each group's root is the article to show for the story.
  const articles = rows
    .map(rowToArticle)
    .sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || b.publishedAt.localeCompare(a.publishedAt));
  const section = filter.section?.trim().toLowerCase();
  const stories: PeriodStory[] = [];
  for (const [root, members] of mergeRecordedStories(db, articles, groupDuplicates(articles))) {
    const lead = articles[root];
    if (section && lead.section.toLowerCase() !== section) continue;
    const sources = new Set(members.map((i) => articles[i].source.trim().toLowerCase() || `(no source) ${articles[i].id}`));
    stories.push({
      article: lead,
      duplicateIds: members.filter((i) => i !== root).map((i) => articles[i].id),
      sourceCount: sources.size,
    });
  }
  return stories;
}

/** Joins groups whose articles the alerts pipeline recorded as one story; each group keeps its best-placed root. */
function mergeRecordedStories(db: Database, articles: Array<{ id: string }>, groups: Map<number, number[]>): Map<number, number[]> {
  const hasStories = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alert_stories'").get();
  if (!hasStories || groups.size < 2) return groups;
  const storyOf = db.prepare('SELECT story_id AS s FROM alert_stories WHERE article_id = ?');
  const groupOfStory = new Map<string, number>();
  const parent = new Map<number, number>([...groups.keys()].map((root) => [root, root]));
  const find = (r: number): number => {
    let x = r;
    while (parent.get(x) !== x) x = parent.get(x)!;
    parent.set(r, x);
    return x;
  };
  for (const [root, members] of groups) {
    for (const i of members) {
      const story = (storyOf.get(articles[i].id) as { s: string } | undefined)?.s;
      if (!story) continue;
      const other = groupOfStory.get(story);
      if (other === undefined) groupOfStory.set(story, root);
      else {
        const [a, b] = [find(other), find(root)];
        // The lower index is the better-placed article (priority, then newest): it leads the merged story.
        if (a !== b) parent.set(Math.max(a, b), Math.min(a, b));
      }
    }
  }
  const merged = new Map<number, number[]>();
  for (const [root, members] of groups) {
    const top = find(root);
    merged.set(top, [...(merged.get(top) ?? []), ...members]);
  }
  return new Map([...merged].sort((a, b) => a[0] - b[0]));
}
