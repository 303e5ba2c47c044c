import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSummarizer, dropTrailingClause } from '../../src/summarize/summarizer.js';

const SEED = readFileSync(new URL('../../data/articles/000_3374571737b0a5b7.txt', import.meta.url), 'utf8');
const HEADLINE = 'Russian State Media Reports That Indian PM Narendra Modi Will Soon Visit Moscow';

/** The seed as the file loader hands it over: no kicker, no repeated headline, no related link. */
function loaderBody(raw: string): string {
  return raw
    .split('\n')
    .filter((l) => !/^Breaking News$/.test(l.trim()) && l.trim() !== HEADLINE && !/^Read more:/.test(l))
    .join('\n');
}

const summarizer = createSummarizer();
const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

describe('summarize on the seed article', () => {
  const cases = {
    'body as the loader gives it': { title: HEADLINE, dek: '', body: loaderBody(SEED) },
    'the raw file with title': { title: HEADLINE, dek: '', body: SEED },
    'the raw file without title': { title: '', dek: '', body: SEED },
  };
  for (const [name, article] of Object.entries(cases)) {
    it(`says Modi will visit Russia, the first time since the invasion of Ukraine (${name})`, () => {
      const summary = summarizer.summarize(article, 3);
      expect(summary).toHaveLength(3);
      const text = summary.join(' ');
      expect(text).toMatch(/Modi is set to visit Russia for the first time since the Kremlin’s invasion of Ukraine/);
      expect(text).not.toMatch(/read more/i);
      expect(text).not.toMatch(/Breaking News/);
      expect(text.split(HEADLINE).length - 1).toBeLessThanOrEqual(0);
    });
  }

  it('picks the three sentences an editor would: the news, who confirmed it, and what is still open', () => {
    // Written by hand from the article: the visit, its confirmation by the Kremlin, the dates not yet set.
    const expected = [
      'Indian Prime Minister Narendra Modi is set to visit Russia for the first time since the Kremlin’s invasion of Ukraine, underscoring the growing ties between the two nations despite India’s close relationship with Washington.',
      'Preparations are underway for Narendra Modi’s trip to Moscow, with Kremlin spokesperson Yuri Ushakov confirming the plans, according to Russia’s state news agency.',
      'The exact dates of the visit are yet to be finalized and will be announced by both parties in agreement.',
    ];
    for (const article of Object.values(cases)) expect(summarizer.summarize(article, 3)).toEqual(expected);
    expect(summarizer.tldr(cases['body as the loader gives it'])).toBe(
      'Indian Prime Minister Narendra Modi is set to visit Russia for the first time since the Kremlin’s invasion of Ukraine.',
    );
  });

  it('returns sentences in reading order', () => {
    const body = loaderBody(SEED);
    const summary = summarizer.summarize({ title: HEADLINE, dek: '', body }, 5);
    const positions = summary.map((s) => body.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('is deterministic', () => {
    const a = { title: HEADLINE, dek: '', body: SEED };
    const first = summarizer.summarize(a, 3);
    for (let i = 0; i < 5; i++) expect(createSummarizer().summarize(a, 3)).toEqual(first);
    expect(summarizer.tldr(a)).toBe(createSummarizer().tldr(a));
  });
});

describe('tldr', () => {
  it('is one complete sentence of at most 30 words, not the headline', () => {
    for (const body of [SEED, loaderBody(SEED)]) {
      const t = summarizer.tldr({ title: HEADLINE, dek: '', body });
      expect(words(t)).toBeLessThanOrEqual(30);
      expect(t).toMatch(/^[A-Z].*[.!?]["”’]?$/);
      expect(t).not.toBe(HEADLINE);
      expect(t).toMatch(/Modi/);
      expect(t).not.toMatch(/read more/i);
    }
  });

  it('prefers a fitting sentence over cutting a long one', () => {
    const long = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const body = `The council approved a long list of measures, including ${long}, on Monday. The vote ended a year of debate over the town budget.`;
    const t = summarizer.tldr({ title: 'Council votes', dek: '', body });
    expect(t).toBe('The vote ended a year of debate over the town budget.');
  });

  it('when no sentence fits, cuts before a clause so the line is still a whole sentence, never an ellipsis', () => {
    const body = `The council approved the plan, which had been debated for a year, ${Array.from({ length: 40 }, () => 'and more').join(' ')} on Monday.`;
    const t = summarizer.tldr({ title: 'Council votes', dek: '', body });
    expect(t).toBe('The council approved the plan.');
  });

  it('never answers boilerplate, and falls back to the dek when the body is empty', () => {
    expect(summarizer.tldr({ title: 'T', dek: '', body: 'Advertisement\nSign up for our newsletter' })).toBe('');
    expect(summarizer.tldr({ title: 'T', dek: 'Rates rise again.', body: '' })).toBe('Rates rise again.');
  });

  it('drops a trailing participial clause to keep a complete sentence', () => {
    expect(
      dropTrailingClause('The central bank raised its main rate to 5% on Thursday, surprising investors who expected a pause.'),
    ).toBe('The central bank raised its main rate to 5% on Thursday.');
    expect(dropTrailingClause('"Go," she said, smiling.')).toBeNull();
  });
});
