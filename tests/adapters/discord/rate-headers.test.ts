import { describe, expect, it } from 'vitest';
import { bucketReport } from '../../../src/adapters/discord/rate-headers.js';

/** Which answers' X-RateLimit-* headers pace alerts: a forum post's route paces its forum's posts. */
describe('Discord rate-limit headers read for alerts', () => {
  const headers = new Headers({ 'x-ratelimit-bucket': 'f0r', 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': '49', 'x-ratelimit-reset-after': '1.000' });

  it('POST /channels/{forum}/threads (a forum post) reports the forum\'s post bucket', () => {
    expect(bucketReport('POST', '/channels/15/threads', headers)).toEqual({ channelId: '15', op: 'post', bucket: 'f0r', limit: 50, remaining: 49, resetAfterMs: 1_000 });
  });

  it('other thread routes are not posts: listing archived posts, starting a thread on a message', () => {
    expect(bucketReport('GET', '/channels/15/threads/archived/public', headers)).toBeNull();
    expect(bucketReport('POST', '/channels/15/messages/99/threads', headers)).toBeNull();
    expect(bucketReport('GET', '/channels/15/threads', headers)).toBeNull();
  });
});
