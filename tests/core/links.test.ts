import { describe, expect, it } from 'vitest';
import { linkableUrl } from '../../src/core/links.js';

describe('linkableUrl (one rule for Discord and Slack links)', () => {
  it('keeps clean http(s) URLs as the editor wrote them', () => {
    expect(linkableUrl('https://a.example')).toBe('https://a.example');
    expect(linkableUrl('http://a.example/x?y=1&z=(2)')).toBe('http://a.example/x?y=1&z=(2)');
  });
  it('encodes what would break out of a link', () => {
    expect(linkableUrl('https://a.example/a b<c>')).toBe('https://a.example/a%20b%3Cc%3E');
  });
  it('refuses other schemes, junk and over-long URLs', () => {
    for (const bad of ['javascript:alert(1)', 'ftp://a.example', 'not a url', '', undefined, null, `https://a.example/${'x'.repeat(2000)}`]) {
      expect(linkableUrl(bad)).toBeUndefined();
    }
  });
});
