import { describe, expect, it } from 'vitest';
import { formatClock, sinceWords } from '../../src/core/time.js';

describe('formatClock', () => {
  it('shows the time in the zone', () => {
    expect(formatClock(new Date('2026-03-01T13:05:00Z'), 'Europe/Paris')).toBe('14:05');
  });

  it('shows UTC, saying so, for a zone Intl does not know (never a RangeError)', () => {
    expect(formatClock(new Date('2026-03-01T13:05:00Z'), 'Mars/Base')).toBe('13:05 UTC');
  });

  it('says a since value as words for a sentence', () => {
    expect(sinceWords('24h')).toBe('in the last 24 hours');
    expect(sinceWords('1d')).toBe('in the last day');
    expect(sinceWords('30 mins')).toBe('in the last 30 minutes');
    expect(sinceWords('2w')).toBe('in the last 2 weeks');
    expect(sinceWords('today')).toBe('today');
    expect(sinceWords('yesterday')).toBe('since yesterday');
    expect(sinceWords('2026-11-20')).toBe('since 2026-11-20');
  });
});
