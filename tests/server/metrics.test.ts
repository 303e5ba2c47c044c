import { describe, expect, it } from 'vitest';
import { pauseReasonLabel } from '../../src/server/metrics.js';

describe('metrics labels stay bounded', () => {
  it('a pause reason becomes admin, the platform error code, or other (never a name or free text)', () => {
    expect(pauseReasonLabel('paused by Ada Lovelace')).toBe('admin');
    expect(pauseReasonLabel(null)).toBe('admin');
    expect(pauseReasonLabel('slack: channel not found (channel_not_found)')).toBe('channel_not_found');
    expect(pauseReasonLabel('discord: Missing Access (50001)')).toBe('50001');
    expect(pauseReasonLabel('gave up after 8 attempts: socket hang up')).toBe('other');
    expect(pauseReasonLabel('slack: something (with spaces in the code)')).toBe('other');
  });
});
