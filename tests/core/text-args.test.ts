import { describe, expect, it } from 'vitest';
import type { OptionMap } from '../../src/core/command.js';
import { parseTextArgs, splitSubcommand, tokenize } from '../../src/core/text-args.js';

const options: OptionMap = {
  query: { kind: 'string', description: 'words', rest: true },
  since: { kind: 'string', description: 'since' },
  section: { kind: 'string', description: 'section' },
  key: { kind: 'string', description: 'key' },
  from: { kind: 'string', description: 'from' },
};

describe('text-argument parser', () => {
  it('reads known key:value options and leaves the rest as query text', () => {
    expect(parseTextArgs('modi since:24h section:world key:"two words"', options)).toEqual({
      values: { since: '24h', section: 'world', key: 'two words' },
      rest: 'modi',
    });
  });

  it('reads a quoted value for a named option', () => {
    expect(parseTextArgs('query:"prime minister" since:7d section:world', options).values).toEqual({
      query: 'prime minister',
      since: '7d',
      section: 'world',
    });
  });

  it('keeps URLs and clock times as text because only known names are keys', () => {
    const parsed = parseTextArgs('https://example.com/a?b=1 at 22:00 http:foo', options);
    expect(parsed.values).toEqual({});
    expect(parsed.rest).toBe('https://example.com/a?b=1 at 22:00 http:foo');
  });

  it('notes a word one or two letters off an option (secton:world), but never a URL, a clock time or a short word', () => {
    expect(parseTextArgs('modi secton:world', options)).toEqual({ values: {}, rest: 'modi secton:world', nearMiss: { word: 'secton', option: 'section' } });
    expect(parseTextArgs('sinse:7d', options).nearMiss).toEqual({ word: 'sinse', option: 'since' });
    for (const text of ['https://example.com/a:b', 'at 22:00', 're:brexit', 'flood "secton:world"', 'weather:storm', 'secton:']) {
      expect(parseTextArgs(text, options).nearMiss).toBeUndefined();
    }
  });

  it('lets a value contain colons: from:22:00', () => {
    expect(parseTextArgs('from:22:00', options).values).toEqual({ from: '22:00' });
  });

  it('treats curly quotes as quotes', () => {
    expect(parseTextArgs('key:“two words” “section:world”', options)).toEqual({
      values: { key: 'two words' },
      rest: 'section:world',
    });
  });

  it('runs an unbalanced quote to the end of the line instead of failing', () => {
    expect(parseTextArgs('modi "prime minister', options).rest).toBe('modi prime minister');
  });

  it('matches option names case-insensitively and keeps the first of a repeated option', () => {
    const parsed = parseTextArgs('SINCE:24h since:7d', options);
    expect(parsed.values).toEqual({ since: '24h' });
    expect(parsed.rest).toBe('since:7d');
  });

  it('tokenizes on any whitespace', () => {
    expect(tokenize('a\tb\n c').map((t) => t.text)).toEqual(['a', 'b', 'c']);
  });

  it('splits a leading subcommand', () => {
    expect(splitSubcommand('  Subscribe #breaking min_priority:urgent')).toEqual(['subscribe', '#breaking min_priority:urgent']);
    expect(splitSubcommand('')).toEqual(['', '']);
  });
});
