import type { BucketReport } from '../../outbound/rate-limits.js';

/**
 * Reads Discord's rate-limit headers off an answer to a route alerts use: POST /channels/{id}/messages (posts and
 * thread replies) and PATCH /channels/{id}/messages/{mid} (edits). Null for other routes or without the headers.
 */
export function bucketReport(method: string, path: string, headers: Headers): BucketReport | null {
  const m = /^\/channels\/(\d+)\/messages(?:\/(\d+))?$/.exec(path);
  if (!m) return null;
  const op = method.toUpperCase() === 'POST' && !m[2] ? 'post' : method.toUpperCase() === 'PATCH' && m[2] ? 'edit' : null;
  const bucket = headers.get('x-ratelimit-bucket');
  const limit = Number(headers.get('x-ratelimit-limit'));
  const remaining = Number(headers.get('x-ratelimit-remaining'));
  const resetAfter = Number(headers.get('x-ratelimit-reset-after'));
  if (!op || !bucket || !Number.isFinite(limit) || !Number.isFinite(remaining) || !Number.isFinite(resetAfter)) return null;
  if (headers.get('x-ratelimit-remaining') === null || headers.get('x-ratelimit-reset-after') === null) return null;
  return { channelId: m[1], op, bucket, limit, remaining, resetAfterMs: Math.round(resetAfter * 1000) };
}
