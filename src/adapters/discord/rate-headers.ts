import type { BucketReport } from '../../outbound/rate-limits.js';

/**
 * Reads Discord's rate-limit headers off an answer to a route alerts use: POST /channels/{id}/messages (posts and
 * thread replies), POST /channels/{forum}/threads (forum posts), PATCH /channels/{id}/messages/{mid} (edits) and
 * DELETE /channels/{id}/messages/{mid} (recalls). Null for other routes or without the headers.
 */
export function bucketReport(method: string, path: string, headers: Headers): BucketReport | null {
  const verb = method.toUpperCase();
  // A forum post (Start Thread in Forum or Media Channel) is the forum's post: its route's bucket paces the forum.
  const forumPost = verb === 'POST' ? /^\/channels\/(\d+)\/threads$/.exec(path) : null;
  const m: [string, string, string | undefined] | null = forumPost
    ? [forumPost[0], forumPost[1], undefined]
    : (/^\/channels\/(\d+)\/messages(?:\/(\d+))?$/.exec(path) as [string, string, string | undefined] | null);
  if (!m) return null;
  const op = verb === 'POST' && !m[2] ? 'post' : verb === 'PATCH' && m[2] ? 'edit' : verb === 'DELETE' && m[2] ? 'delete' : null;
  const bucket = headers.get('x-ratelimit-bucket');
  const limit = Number(headers.get('x-ratelimit-limit'));
  const remaining = Number(headers.get('x-ratelimit-remaining'));
  const resetAfter = Number(headers.get('x-ratelimit-reset-after'));
  if (!op || !bucket || !Number.isFinite(limit) || !Number.isFinite(remaining) || !Number.isFinite(resetAfter)) return null;
  if (headers.get('x-ratelimit-remaining') === null || headers.get('x-ratelimit-reset-after') === null) return null;
  return { channelId: m[1], op, bucket, limit, remaining, resetAfterMs: Math.round(resetAfter * 1000) };
}
