import { describe, expect, it } from 'vitest';
import { cleanParagraphs } from '../../src/summarize/clean.js';
import { splitSentences } from '../../src/summarize/sentences.js';
import { createSummarizer, dropTrailingClause } from '../../src/summarize/summarizer.js';

/** The defects of issue 18, each on a text written for the project in the shape the dev files showed. */
const summarizer = createSummarizer();

describe('a bracketed acronym after a name is the subject, not a dateline', () => {
  it('keeps "The Harbour Grain Exchange (HGX) has …" whole', () => {
    const p = 'The Harbour Grain Exchange (HGX) has recorded its largest one-day fall in wheat futures since 2019.';
    expect(cleanParagraphs(p)).toEqual([p]);
    const q = 'Northfield Water Authority (NWA) said on Friday that the reservoir was at 41% of capacity.';
    expect(cleanParagraphs(q)).toEqual([q]);
  });

  it('still strips real datelines, with a known agency, a dash, or glued to the first word', () => {
    const s = 'The ferry resumed service on Monday.';
    expect(cleanParagraphs(`Harbour City (AP) ${s}`)).toEqual([s]);
    expect(cleanParagraphs(`(WIRE)${s}`)).toEqual([s]);
    expect(cleanParagraphs(`OSLO (NTB) - ${s}`)).toEqual([s]);
  });
});

describe('tabloid captions and house notices are not key sentences', () => {
  const body = [
    'By . Newsdesk Reporter . Back on the water: the restored paddle steamer leaves the quay on Saturday morning .',
    'The restored paddle steamer Marigold carried its first passengers in forty years on Saturday after a £2million refit funded by the town.',
    'Volunteers spent six years rebuilding the engine, the boiler and the wooden hull in a shed beside the harbour.',
    'Harbourside Sport will be providing you with live coverage of the regatta that follows, all afternoon.',
    'The steamer will sail twice a day until the end of September, and tickets for the first month have sold out.',
  ].join(' ');

  it('splits flattened copy at " . " and drops the caption line', () => {
    const paragraphs = cleanParagraphs(body);
    expect(paragraphs.some((p) => /Back on the water/.test(p))).toBe(false);
    expect(paragraphs[0].startsWith('The restored paddle steamer Marigold carried')).toBe(true);
  });

  it('never picks the caption or the coverage notice', () => {
    const summary = summarizer.summarize({ title: '', dek: '', body }, 3);
    expect(summary).toHaveLength(3);
    expect(summary[0]).toMatch(/^The restored paddle steamer Marigold carried/);
    expect(summary.join(' ')).not.toMatch(/will be providing you|Back on the water|By \./);
    expect(summarizer.tldr({ title: '', dek: '', body })).toMatch(/^The restored paddle steamer Marigold carried/);
  });
});

describe('sentences glued at a paragraph join', () => {
  it('splits "in 1998.Mrs Hale said" but not "bbc.co.uk" or "Mrs.Hale"', () => {
    expect(splitSentences('The mill closed in 1998.Mrs Hale said the town never recovered.')).toEqual([
      'The mill closed in 1998.',
      'Mrs Hale said the town never recovered.',
    ]);
    expect(splitSentences('Details are at harbour.example.org for now.')).toHaveLength(1);
  });
});

describe('TL;DR fragments', () => {
  it('never opens with And/But/Or/So, even when that sentence scores best', () => {
    const body = [
      'The festival opened with a parade of lanterns along the river.',
      'And giving some lip -- like the mayor, who joined the drummers.',
      'Organisers expect forty thousand visitors over the weekend, twice last year’s number.',
    ].join(' ');
    const t = summarizer.tldr({ title: 'Lantern festival opens', dek: '', body });
    expect(t).not.toMatch(/^(?:And|But|Or|So)\b/);
    expect(t).toMatch(/^[A-Z]/);
  });

  it('never answers the second half of a quote split across sentences', () => {
    const body = [
      '"I have walked past this corner every day for twenty years.',
      'Makes my skin crawl even being here," said Ana Ruiz, who lives opposite the closed factory.',
      'The council will demolish the factory next spring and build forty homes on the site.',
    ].join(' ');
    const t = summarizer.tldr({ title: 'Factory to be demolished', dek: '', body });
    expect(t).toBe('The council will demolish the factory next spring and build forty homes on the site.');
  });

  it('does not cut a list short as if its last item were a trailing clause', () => {
    expect(dropTrailingClause('The new app offers live scores, player ratings, gaming, and betting odds.')).toBeNull();
    expect(dropTrailingClause('The site sells match tickets, scarves and shirts, clothing and betting odds.')).toBeNull();
    expect(dropTrailingClause('The league approved the new app on Tuesday, giving fans live scores for every match.')).toBe(
      'The league approved the new app on Tuesday.',
    );
  });
});

describe('a share widget run into the first paragraph', () => {
  it('strips the widget and keeps the prose instead of dropping the whole line as a prompt', () => {
    const prose = 'The harbour board confirmed the new ferry timetable on Monday. It starts in May.';
    expect(cleanParagraphs(`Share this withEmailFacebookMessengerTwitterWhatsAppCopy this link${prose}`)).toEqual([prose]);
    expect(cleanParagraphs('Share this story')).toEqual([]);
  });
});

describe('feature-style copy is summarized from its centre, wire copy from its lead', () => {
  // Four paragraphs of three sentences: the lead is scene-setting; the piece keeps returning to the vote.
  const feature = [
    'The morning mist had barely lifted over the valley when the first farmers arrived at the village hall. Some had driven for an hour. Most had never been to a council meeting before.',
    'They came because of the reservoir plan, which would flood four farms and the old mill to supply the growing towns downstream. The water board says the reservoir plan is the only way to meet demand by 2035. Farmers say the reservoir plan ignores cheaper ways to save water.',
    'Inside, the debate lasted three hours. Councillors heard from engineers, farmers and the water board. Tea ran out before the first vote.',
    'In the end the council voted against the reservoir plan by nine votes to four, sending the water board back to look at cheaper ways to save water. The board said it would study the vote. The farmers cheered.',
  ].join('\n\n');
  const wire = feature.replace(/\n\n/g, ' ');

  it('opens a feature summary on the sentences about the vote, not the mist', () => {
    const summary = summarizer.summarize({ title: '', dek: '', body: feature }, 3);
    expect(summary.join(' ')).not.toMatch(/morning mist/);
    expect(summary.join(' ')).toMatch(/voted against the reservoir plan/);
  });

  it('keeps the lead when the same words arrive without paragraphing (nothing tells it is a feature)', () => {
    expect(summarizer.summarize({ title: '', dek: '', body: wire }, 3)[0]).toMatch(/^The morning mist/);
  });
});
