import type { HTTPReceiver } from '@slack/bolt';
import type { Logger } from '../../log.js';
import { sendJson, type HttpServer } from '../../server/http.js';

/**
 * Slack's HTTP requests (slash commands, button clicks, events) on the one shared server, at `/slack/events`.
 * Bolt's HTTPReceiver does the work — signature check on the raw body (v0 HMAC, constant-time compare), parsing,
 * `ack()` as the HTTP answer — through its `requestListener`, so no second port is opened. Bolt refuses only
 * timestamps too far in the past; this guard also refuses ones too far in the future (Slack's rule is ±5 minutes).
 */
export const SLACK_EVENTS_PATH = '/slack/events';
const WINDOW_SECONDS = 5 * 60;
/** Slack's payloads are a few KB; Bolt gets the same limit (its default is 10 MB). */
export const SLACK_MAX_BODY_BYTES = 1024 * 1024;

export interface MountSlackEventsOptions {
  http: HttpServer;
  receiver: HTTPReceiver;
  isStopped(): boolean;
  logger: Logger;
  now?: () => number;
}

export function mountSlackEvents(opts: MountSlackEventsOptions): void {
  const now = opts.now ?? Date.now;
  opts.http.mount('POST', SLACK_EVENTS_PATH, (req, res) => {
    if (opts.isStopped()) {
      sendJson(res, 503, { error: 'Newsdesk is restarting' });
      return;
    }
    const header = req.headers['x-slack-request-timestamp'];
    const ts = Number(Array.isArray(header) ? header[0] : header);
    if (!Number.isInteger(ts) || Math.abs(now() / 1000 - ts) > WINDOW_SECONDS || !req.headers['x-slack-signature']) {
      opts.logger.warn({ timestamp: header }, 'slack: request refused (missing signature, or timestamp outside 5 minutes)');
      sendJson(res, 401, { error: 'invalid request signature' });
      return;
    }
    if (Number(req.headers['content-length'] ?? 0) > SLACK_MAX_BODY_BYTES) {
      sendJson(res, 413, { error: 'body too large' });
      return;
    }
    try {
      opts.receiver.requestListener(req, res);
    } catch (err) {
      opts.logger.error({ err }, 'slack: receiver failed to take the request');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    }
  });
}
