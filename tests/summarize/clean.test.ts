import { describe, expect, it } from 'vitest';
import { cleanParagraphs, cleanText, decodeEntities } from '../../src/summarize/clean.js';

const story = 'The bridge reopened on Monday after six months of repairs. Traffic returned to normal by noon.';

describe('cleanParagraphs', () => {
  it('drops related-link lines in their usual spellings', () => {
    for (const line of [
      'Read more: Why the bridge closed',
      'READ MORE Why the bridge closed',
      'Related: Bridge repairs run late',
      'RELATED STORIES',
      'See also: The history of the bridge',
    ]) {
      expect(cleanParagraphs(`${story}\n${line}\nWork will finish in May.`)).toEqual([story, 'Work will finish in May.']);
    }
  });

  it('drops bylines, plain and with an agency', () => {
    for (const line of ['By Jane Doe', 'By JANE DOE, Reuters', 'By Jane Doe and John Roe, CNN']) {
      expect(cleanParagraphs(`${line}\n${story}`)).toEqual([story]);
    }
  });

  it('strips datelines but keeps the sentence', () => {
    expect(cleanParagraphs(`LONDON (Reuters) - ${story}`)).toEqual([story]);
    expect(cleanParagraphs(`WASHINGTON — ${story}`)).toEqual([story]);
    expect(cleanParagraphs(`(CNN)${story}`)).toEqual([story]);
    expect(cleanParagraphs(`(AP) — ${story}`)).toEqual([story]);
    expect(cleanParagraphs(`PARIS, France (CNN) -- ${story}`)).toEqual([story]);
    expect(cleanParagraphs(`By JANE DOE, Reuters LONDON (Reuters) - ${story}`)).toEqual([story]);
  });

  it('leaves sentences that merely start with a capitalised name alone', () => {
    expect(cleanParagraphs('Obama - the former president - spoke. By then it was late.')).toEqual([
      'Obama - the former president - spoke. By then it was late.',
    ]);
    expect(cleanParagraphs(`${story}\nBy then it was late.`)).toEqual([story, 'By then it was late.']);
  });

  it('drops photo credits and captions, on their own line and inline', () => {
    expect(cleanParagraphs(`Photo: Jane Doe/Newsdesk\n${story}\nImage caption The bridge at dawn`)).toEqual([story]);
    expect(cleanParagraphs('The mayor cut the ribbon (Getty Images) and left.')).toEqual(['The mayor cut the ribbon and left.']);
    expect(cleanParagraphs(`${story}\n(Getty Images)`)).toEqual([story]);
  });

  it('drops newsletter and ad prompts', () => {
    for (const line of ['Sign up for our newsletter', 'Advertisement', 'Subscribe to our morning briefing', 'Story continues below advertisement']) {
      expect(cleanParagraphs(`${story}\n${line}`)).toEqual([story]);
    }
  });

  it('drops a kicker and a headline repeated by the page, with or without the title given', () => {
    const page = `Breaking News\n\nBridge Reopens After Repairs\n\nBridge Reopens After Repairs\n\n${story}`;
    expect(cleanParagraphs(page)).toEqual([story]);
    expect(cleanParagraphs(page, { title: 'Bridge Reopens After Repairs' })).toEqual([story]);
  });

  it('decodes HTML entities and drops tags, normalising whitespace', () => {
    expect(decodeEntities('Tom &amp; Jerry &#8220;won&#8221; &eacute;t&eacute;')).toBe('Tom & Jerry “won” été');
    expect(cleanText('<p>It  was&nbsp;a   <b>close</b> vote.</p>')).toBe('It was a close vote.');
  });
});
