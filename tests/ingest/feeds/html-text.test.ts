import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToText } from '../../../src/ingest/feeds/html-text.js';
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
