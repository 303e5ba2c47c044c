import { createHash } from 'node:crypto';
import type { DiscordLimits, RouteBucket } from './limits.js';

/**
 * Discord-style rate limits: fixed windows per bucket (route + major parameter) and a global per-second
 * window, reported with Discord's headers. Interaction callbacks and interaction webhooks are exempt from the
 * global limit, as on Discord.
 */
export interface RateDecision {
  headers: Record<string, string>;
  /** Set when the request must be refused with 429. */
  limited?: { retryAfterMs: number; global: boolean; scope: 'user' | 'global' };
}

interface Window {
  count: number;
  resetAt: number;
}

export function classifyRoute(
  method: string,
  path: string,
  limits: DiscordLimits,
): { key: string; bucket: RouteBucket; name: string; global: boolean } | null {
  if (/^\/interactions\/\d+\/[^/]+\/callback$/.test(path)) return null;
  const webhook = /^\/webhooks\/(\d+)\/([^/]+)/.exec(path);
  if (webhook) return { key: `webhook:${webhook[2]}`, bucket: limits.webhooks, name: 'webhook', global: false };
  const crosspost = /^\/channels\/(\d+)\/messages\/\d+\/crosspost$/.exec(path);
  if (crosspost && method === 'POST') {
    return { key: `crosspost:${crosspost[1]}`, bucket: limits.crossposts, name: 'POST /channels/{id}/messages/{mid}/crosspost', global: true };
  }
  const messages = /^\/channels\/(\d+)\/messages(?:\/(\d+))?$/.exec(path);
  if (messages && method === 'POST' && !messages[2]) {
    return { key: `msg:${messages[1]}`, bucket: limits.channelMessages, name: 'POST /channels/{id}/messages', global: true };
  }
  if (messages && messages[2] && method === 'PATCH') {
    return { key: `edit:${messages[1]}`, bucket: limits.channelMessageEdits, name: 'PATCH /channels/{id}/messages/{mid}', global: true };
  }
  if (messages && messages[2] && method === 'DELETE') {
    return { key: `delete:${messages[1]}`, bucket: limits.channelMessageDeletes, name: 'DELETE /channels/{id}/messages/{mid}', global: true };
  }
  const major = /^\/(channels|guilds|webhooks)\/(\d+)/.exec(path)?.[2] ?? '';
  const template = path.replace(/\d{5,}/g, '{id}');
  return { key: `${method} ${template} ${major}`, bucket: limits.other, name: `${method} ${template}`, global: true };
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private global: Window = { count: 0, resetAt: 0 };

  constructor(private readonly limits: DiscordLimits, private readonly now: () => number = Date.now) {}

  check(method: string, path: string): RateDecision {
    const route = classifyRoute(method, path, this.limits);
    if (!route) return { headers: {} };
    const now = this.now();
    if (route.global) {
      if (now >= this.global.resetAt) this.global = { count: 0, resetAt: now + 1000 };
      if (this.global.count >= this.limits.globalPerSecond) {
        const retryAfterMs = this.global.resetAt - now;
        return {
          headers: { 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global', 'retry-after': seconds(retryAfterMs) },
          limited: { retryAfterMs, global: true, scope: 'global' },
        };
      }
    }
    let w = this.windows.get(route.key);
    if (!w || now >= w.resetAt) {
      w = { count: 0, resetAt: now + route.bucket.windowMs };
      this.windows.set(route.key, w);
    }
    const resetAfterMs = w.resetAt - now;
    const base = {
      'x-ratelimit-limit': String(route.bucket.limit),
      'x-ratelimit-reset': ((w.resetAt) / 1000).toFixed(3),
      'x-ratelimit-reset-after': seconds(resetAfterMs),
      'x-ratelimit-bucket': createHash('sha1').update(route.name).digest('hex').slice(0, 16),
    };
    if (w.count >= route.bucket.limit) {
      return {
        headers: { ...base, 'x-ratelimit-remaining': '0', 'x-ratelimit-scope': 'user', 'retry-after': seconds(resetAfterMs) },
        limited: { retryAfterMs: resetAfterMs, global: false, scope: 'user' },
      };
    }
    w.count += 1;
    if (route.global) this.global.count += 1;
    return { headers: { ...base, 'x-ratelimit-remaining': String(route.bucket.limit - w.count) } };
  }
}

function seconds(ms: number): string {
  return (Math.max(ms, 1) / 1000).toFixed(3);
}
