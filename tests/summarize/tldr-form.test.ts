import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readArticleFile } from '../../src/ingest/files.js';
import { createSummarizer } from '../../src/summarize/summarizer.js';
import { tldrFaults } from '../../src/summarize/tldr-form.js';

describe('tldrFaults: a whole sentence that stands alone', () => {
  it('accepts plain sentences, questions, exclamations and closing quotes', () => {
    for (const ok of [
      'The council approved the ferry plan on Tuesday.',
      'Will the bridge reopen before winter?',
      'The striker scored twice in four minutes!',
      'The mayor called the vote "a new start for the harbour."',
      'The minister called it "a disgrace"',
      '“We will rebuild,” the mayor said.',
      '2024 was the warmest year on record in the valley.',
    ]) {
      expect(tldrFaults(ok), ok).toEqual([]);
    }
  });

  it('names each fault', () => {
    expect(tldrFaults('')).toEqual(['empty']);
    expect(tldrFaults('the council approved the plan.')).toEqual(['no-capital']);
    expect(tldrFaults('The council approved the plan')).toEqual(['no-terminator']);
    expect(tldrFaults('The council approved the plan, which…')).toEqual(['no-terminator']);
    expect(tldrFaults('And giving some lip -- like the mayor.')).toEqual(['leading-conjunction']);
    expect(tldrFaults('But the plan failed.')).toEqual(['leading-conjunction']);
    expect(tldrFaults('So the vote was lost.')).toEqual(['leading-conjunction']);
    expect(tldrFaults('Makes my skin crawl even being here."')).toEqual(['unbalanced-quotes']);
    expect(tldrFaults('The vote (the third this year was lost.')).toEqual(['unbalanced-brackets']);
    expect(tldrFaults(`The ${'very '.repeat(30)}long sentence.`)).toEqual(['too-long']);
    // Words that merely start like a conjunction are fine.
    expect(tldrFaults('Andrea Costa won the race.')).toEqual([]);
    expect(tldrFaults('Sony opened a plant in Wales.')).toEqual([]);
  });
});

/** Articles written for the project in the shapes that produced fragments before. */
const WRITTEN = [
  {
    title: 'Lantern festival opens',
    body: 'And so it began. And giving some lip -- like the mayor. The festival opened with a parade of lanterns along the river on Friday night, watched by thousands.',
  },
  {
    title: 'Factory to be demolished',
    body: '"I walk past it every day.\n\nMakes my skin crawl even being here," said Ana Ruiz. But the council has decided to pull it down next spring. So the factory will go.',
  },
  {
    title: 'Betting app launched',
    body: 'The league launched its own app on Tuesday, offering live scores, player ratings, gaming, and betting odds. Critics said the betting feature sat badly with the league’s youth programmes.',
  },
  {
    title: 'Long sentences only',
    body: `The regional transport authority announced on Monday, after a meeting that lasted most of the day and ended late in the evening, ${'that it would review every route, '.repeat(4)}which had been expected for months.`,
  },
  {
    title: 'Captioned',
    body: 'By . Newsdesk Reporter . Pictured: the old pier at dusk . The old pier will close for two years from April while engineers replace its iron legs (the first repair since 1952).',
  },
];

describe('every TL;DR is a whole sentence, on texts written for the project and the sample articles', () => {
  const summarizer = createSummarizer();

  it('on the written texts', () => {
    for (const a of WRITTEN) {
      const t = summarizer.tldr({ title: a.title, dek: '', body: a.body });
      expect(t, a.title).not.toBe('');
      expect(tldrFaults(t), `${a.title}: ${t}`).toEqual([]);
    }
  });

  it('on every article in data/articles', async () => {
    const dir = new URL('../../data/articles/', import.meta.url).pathname;
    let checked = 0;
    for (const name of readdirSync(dir)) {
      const read = await readArticleFile(join(dir, name));
      if (!('articles' in read)) continue;
      for (const a of read.articles) {
        const t = summarizer.tldr({ title: a.title, dek: a.dek ?? '', body: a.body ?? '' });
        if (!t) continue;
        checked++;
        expect(tldrFaults(t), `${name}: ${t}`).toEqual([]);
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
