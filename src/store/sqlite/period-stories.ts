import type { Database } from 'better-sqlite3';
import { groupDuplicates } from '../../summarize/briefing.js';
import { mergeRecordedStories } from '../story-groups.js';
import type { PeriodStories, PeriodStory } from '../types.js';
import { keyFloor, rowToArticle, VISIBLE_SQL, type ArticleRow } from './article-rows.js';
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
  let range = `pub_key >= ? AND ${VISIBLE_SQL}`;
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
  for (const [root, members] of mergeRecordedStories(articles, groupDuplicates(articles), recordedStories(db, articles))) {
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

/** What the alerts pipeline recorded: article id → story id, for the articles of the period. */
function recordedStories(db: Database, articles: Array<{ id: string }>): Map<string, string> {
  const storyOf = new Map<string, string>();
  const hasStories = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alert_stories'").get();
  if (!hasStories) return storyOf;
  const lookup = db.prepare('SELECT story_id AS s FROM alert_stories WHERE article_id = ?');
  for (const a of articles) {
    const row = lookup.get(a.id) as { s: string } | undefined;
    if (row) storyOf.set(a.id, row.s);
  }
  return storyOf;
}
