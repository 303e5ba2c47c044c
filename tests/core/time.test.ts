import { describe, expect, it } from 'vitest';
import { formatClock } from '../../src/core/time.js';

describe('formatClock', () => {
  it('shows the time in the zone', () => {
    expect(formatClock(new Date('2026-03-01T13:05:00Z'), 'Europe/Paris')).toBe('14:05');
  });

  it('shows UTC, saying so, for a zone Intl does not know (never a RangeError)', () => {
    expect(formatClock(new Date('2026-03-01T13:05:00Z'), 'Mars/Base')).toBe('13:05 UTC');
  });
});
