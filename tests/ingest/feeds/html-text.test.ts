import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToLine, htmlToText, htmlToTextSliced } from '../../../src/ingest/feeds/html-text.js';
import { TimeSlice } from '../../../src/ingest/feeds/time-slice.js';
import { parseFeedDate } from '../../../src/ingest/feeds/dates.js';

describe('htmlToText', () => {
  it('decodes named, decimal and hex entities, and leaves unknown ones and bare ampersands alone', () => {
    expect(decodeEntities('AT&amp;T &eacute; &#233; &#xE9; &#X1F600; &bogus; R&D')).toBe('AT&T é é é 😀 &bogus; R&D');
    expect(decodeEntities('a&#0;b&#xD800;c')).toBe('abc');
  });

  it('drops scripts, styles, comments and unterminated scripts', () => {
    expect(htmlToText('<p>Keep</p><script type="x">alert("<p>no</p>")</script><style>p{}</style><!-- c -->')).toBe('Keep');
    expect(htmlToText('Text<script>never closed')).toBe('Text');
  });

  it('turns block elements into paragraphs and <br> into line breaks, normalising whitespace', () => {
    expect(htmlToText('<h2>Head</h2>\n<p>One\n  two</p><div>Three<br>four</div>  <li>five</li>')).toBe(
      'Head\n\nOne two\n\nThree\nfour\n\nfive',
    );
  });

  it('keeps inline text together and reads escaped markup as text, not tags', () => {
    expect(htmlToText('a <b>bold</b> and <a href="/x?a=1&amp;b=2">link</a>')).toBe('a bold and link');
    expect(htmlToText('&lt;script&gt;x&lt;/script&gt;')).toBe('<script>x</script>');
    expect(htmlToText('5 < 6 and 7 > 3')).toBe('5 < 6 and 7 > 3');
  });

  it('handles attributes containing ">" and empty input', () => {
    expect(htmlToText('<img alt="a > b" src="x.png">caption')).toBe('caption');
    expect(htmlToText('')).toBe('');
  });
});

describe('hostile HTML', () => {
  // 300 KB each: regular expressions over unclosed tags took minutes here; a linear reader takes milliseconds.
  // The timeout is generous on purpose: the assertion is the output, not the time.
  const SIZE = 300 * 1024;
  const fill = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
  it.each([
    ['unclosed <script', `<p>Lead</p>${fill('<script')}`, 'Lead'],
    ['unclosed <script> with text', `<p>Lead</p>${fill('<script>x')}`, 'Lead'],
    ['unclosed <style', `<p>Lead</p>${fill('<style ')}`, 'Lead'],
    ['deep nesting and stray closing tags', `${fill('<div>')}deep${fill('</b>')}`, 'deep'],
    ['an attribute never closed', `<p>Lead</p><a href="${fill('<a href="')}`, 'Lead'],
    ['an unterminated comment', `Lead${fill('<!--')}`, 'Lead'],
    ['nested CDATA openers', `Lead${fill('<![CDATA[')}`, 'Lead'],
    ['one endless tag name', `Lead<${fill('a')}`, 'Lead'],
    ['unclosed <svg>', `Lead${fill('<svg>')}`, 'Lead'],
  ])('reads %s as a reader would', (_name, html, expected) => {
    expect(htmlToText(html)).toBe(expected);
  }, 20_000);

  it('stops at the article body limit, and titles at a line', () => {
    const long = htmlToText(`<p>${'word '.repeat(100_000)}</p>`);
    expect(long.length).toBeLessThanOrEqual(200_000);
    expect(long.startsWith('word word')).toBe(true);
    expect(htmlToLine(`<b>${'x'.repeat(50_000)}</b>`).length).toBeLessThanOrEqual(2_000);
  });

  it('the sliced reader gives the event loop a turn between chunks of a long item, with the same text', async () => {
    const html = `<p>Lead</p>${fill('<script')}`;
    let turns = 0;
    let beating = true;
    const beat = () => {
      turns += 1;
      if (beating) setImmediate(beat);
    };
    setImmediate(beat);
    // A zero budget yields at every checkpoint: 300 KB is about 19 chunks of 16 KB.
    const text = await htmlToTextSliced(html, new TimeSlice(0));
    beating = false;
    expect(text).toBe('Lead');
    expect(turns).toBeGreaterThanOrEqual(15);
  }, 20_000);
});

describe('parseFeedDate', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it.each([
    ['Tue, 25 Nov 2026 09:30:00 GMT', '2026-11-25T09:30:00.000Z'],
    ['25 Nov 2026 09:30 EST', '2026-11-25T14:30:00.000Z'],
    ['Tue, 25 Nov 2026 09:30:00 -0230', '2026-11-25T12:00:00.000Z'],
    ['Mon, 24 Nov 26 18:00:00 Z', '2026-11-24T18:00:00.000Z'],
    ['2026-11-25T09:30:00+01:00', '2026-11-25T08:30:00.000Z'],
    ['2026-11-25T09:30:00.123Z', '2026-11-25T09:30:00.123Z'],
    ['2026-11-25 09:30:00', '2026-11-25T09:30:00.000Z'],
    ['2026-11-25', '2026-11-25T00:00:00.000Z'],
    ['Seg, 24 Set 2018 19:42:40 -0300', '2018-09-24T22:42:40.000Z'],
    ['Sáb, 01 Dic 2018 00:00:00 GMT', '2018-12-01T00:00:00.000Z'],
    ['lun., 24 févr. 2025 10:00:00 +0100', '2025-02-24T09:00:00.000Z'],
    ['Mi, 05 Mär 2025 08:00:00 +0100', '2025-03-05T07:00:00.000Z'],
  ])('reads %s', (raw, iso) => {
    expect(parseFeedDate(raw, now)).toBe(iso);
  });

  it('answers null for garbage, epoch zeros and dates far in the future', () => {
    expect(parseFeedDate('yesterday', now)).toBeNull();
    expect(parseFeedDate('Thu, 01 Jan 1970 00:00:00 GMT', now)).toBeNull();
    expect(parseFeedDate('2031-01-01T00:00:00Z', now)).toBeNull();
    expect(parseFeedDate(undefined, now)).toBeNull();
  });
});
