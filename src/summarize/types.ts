import type { Article } from '../domain/article.js';

export type SummaryLength = 'short' | 'standard' | 'long';
export const SENTENCES_FOR_LENGTH: Record<SummaryLength, number> = { short: 1, standard: 3, long: 5 };

export interface Summarizer {
  /** The key sentences of an article, in reading order; extractive, offline, deterministic. */
  summarize(article: Pick<Article, 'title' | 'dek' | 'body'>, sentences: number): string[];
  /** One complete sentence of at most ~30 words, for alerts and briefings. */
  tldr(article: Pick<Article, 'title' | 'dek' | 'body'>): string;
}
