import { webApi } from '@slack/bolt';
import { formatMessageRef, parseChannelRef, parseMessageRef, type ChannelRef, type MessageRef } from '../../domain/channel.js';
import { Permanent, RetryLater, type ChannelCheck, type ChannelNeeds, type OutboundPort, type PostOptions } from '../../outbound/port.js';
import { UserError } from '../../core/errors.js';
import type { Reply } from '../../core/reply.js';
import { SLACK_RATE_RULES } from './rate-rules.js';
import { renderReply } from './render.js';

/**
 * Slack's outbound port for the alerts pipeline. Its WebClient rejects rate-limited calls and never retries
 * (retries on the alert path belong to the alerts dispatcher); every failure becomes RetryLater or Permanent.
 */
export const DELIVERY_EVENT_TYPE = 'newsdesk_delivery';

const PERMANENT_REASONS: Record<string, string> = {
  channel_not_found: 'the channel does not exist or Newsdesk cannot see it',
  not_in_channel: 'Newsdesk is not a member of this private channel: invite it with /invite @Newsdesk',
  is_archived: 'the channel is archived',
  invalid_auth: 'the bot token was refused',
  not_authed: 'no bot token was sent',
  account_inactive: 'the bot token belongs to a deactivated app or workspace',
  token_revoked: 'the bot token was revoked (app uninstalled?)',
  missing_scope: 'the app lacks a scope: reinstall it from slack-manifest.yml',
  msg_too_long: 'the message is longer than Slack allows',
  msg_blocks_too_long: 'the message has more blocks or block text than Slack allows',
  invalid_blocks: 'Slack refused the message layout',
  metadata_too_large: 'the message metadata is larger than Slack allows',
  invalid_arguments: 'Slack refused the message arguments',
  message_not_found: 'the message was deleted',
  cant_update_message: 'the message can no longer be edited',
  cant_delete_message: 'Slack refused to delete it (cant_delete_message)',
  compliance_exports_prevent_deletion: 'the workspace\'s compliance exports forbid deleting messages',
  restricted_action: 'a workspace setting stops Newsdesk posting there',
  method_not_supported_for_channel_type: 'Newsdesk cannot join this kind of channel: invite it with /invite @Newsdesk',
};
/**
 * Refusals of the bot itself (every channel would fail the same way) and of one message's content. missing_scope
 * is bot-wide only for the scope every post needs (chat:write); another scope (channels:join for one channel,
 * say) is that channel's problem, and pauses only its subscription.
 */
const BOT_WIDE = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked']);
const EVERY_POST_NEEDS = new Set(['chat:write']);
const MESSAGE_ONLY = new Set([
  'invalid_blocks', 'invalid_blocks_format', 'msg_too_long', 'msg_blocks_too_long', 'no_text', 'invalid_attachments',
  'too_many_attachments', 'message_not_found', 'cant_update_message', 'metadata_too_large', 'invalid_metadata_format',
  'invalid_metadata_schema', 'invalid_arguments',
]);
/**
 * Slack platform errors that may pass with time. ratelimited and rate_limited (chat.postMessage's "posted too many
 * messages") are refusals: nothing was written. The others may come after the message was written (Slack
 * documents that fatal_error and internal_error may have partly succeeded), so they leave it in doubt.
 */
const TRANSIENT = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);
const REFUSED_NOT_WRITTEN = new Set(['ratelimited', 'rate_limited']);
const TRANSIENT_DELAY_MS = 5_000;
/** Slack's error codes are short snake_case words (`channel_not_found`); anything else did not come from Slack. */
const SLACK_ERROR_CODE = /^[a-z0-9_.]{1,80}$/;
const HISTORY_PAGES = 5;

export function toDeliveryError(err: unknown): Error {
  if (err instanceof Permanent || err instanceof RetryLater) return err;
  // Slack's 429 names no bucket: the pacer decides what was hit (src/alerts/pacing.ts).
  if (err instanceof webApi.WebAPIRateLimitedError) {
    return new RetryLater(Math.max(err.retryAfter, 1) * 1000, 'Slack rate limit (429)', { rateLimit: 'unattributed' });
  }
  if (err instanceof webApi.WebAPIPlatformError) {
    const code = err.data.error;
    // A body that is not Slack's JSON (a proxy's HTML error page with a 200) comes as a "platform error" whose code
    // is the page itself: not a refusal, and nothing says whether Slack acted on the request. In doubt.
    if (typeof code !== 'string' || !SLACK_ERROR_CODE.test(code)) {
      return new RetryLater(TRANSIENT_DELAY_MS, 'Slack: an answer that is not Slack\'s (a proxy error page?)', { inDoubt: true });
    }
    // Refusals (nothing written) are rate limits Slack does not attribute: the pacer decides what was hit.
    if (REFUSED_NOT_WRITTEN.has(code)) return new RetryLater(TRANSIENT_DELAY_MS, `Slack: ${code}`, { rateLimit: 'unattributed' });
    if (TRANSIENT.has(code)) return new RetryLater(TRANSIENT_DELAY_MS, `Slack: ${code}`, { inDoubt: true });
    if (code === 'missing_scope') return missingScope(err.data as { needed?: unknown });
    const scope = BOT_WIDE.has(code) ? 'bot' : MESSAGE_ONLY.has(code) ? 'message' : 'channel';
    return new Permanent(code, PERMANENT_REASONS[code] ?? `Slack refused the message (${code})`, scope);
  }
  if (err instanceof webApi.WebAPIHTTPError) {
    return err.statusCode >= 500 || err.statusCode === 408
      ? new RetryLater(TRANSIENT_DELAY_MS, `Slack HTTP ${err.statusCode}`, { inDoubt: true })
      : new Permanent(String(err.statusCode), `Slack HTTP ${err.statusCode}`);
  }
  // Timeouts and network failures may pass; the request may have been handled before the connection broke.
  const message = err instanceof webApi.WebAPIRequestError ? err.original.message : (err as Error)?.message ?? String(err);
  return new RetryLater(TRANSIENT_DELAY_MS, `network error: ${message}`.slice(0, 200), { inDoubt: true });
}

/** Slack names the scope it wanted in `needed`; without it, the call was the post itself (chat:write). */
function missingScope(data: { needed?: unknown }): Permanent {
  const needed = typeof data.needed === 'string' && data.needed ? data.needed : null;
  const botWide = needed === null || needed.split(',').some((s) => EVERY_POST_NEEDS.has(s.trim()));
  const what = needed ? `the ${needed} scope` : 'a scope';
  return new Permanent('missing_scope', `the app lacks ${what}: reinstall it from slack-manifest.yml`, botWide ? 'bot' : 'channel');
}

/**
 * A refused conversations.join is that channel's problem, whatever Slack answered (a missing_scope without `needed`
 * too: posting itself works, the bot just was not in there): it pauses that subscription, never every Slack alert.
 */
function joinRefused(err: Error): Error {
  if (!(err instanceof Permanent)) return err;
  const needed = /the (\S+) scope/.exec(err.reason)?.[1];
  const why = err.code === 'missing_scope' ? `the app lacks ${needed ? `the ${needed} scope` : 'a scope to join channels'}` : err.reason;
  return new Permanent(err.code, `Newsdesk is not in the channel and could not join it (${why}): invite it with /invite @Newsdesk`, 'channel');
}

const platformCode = (err: unknown) => (err instanceof webApi.WebAPIPlatformError ? err.data.error : undefined);

/**
 * Slack answers invalid_blocks when it cannot fetch an image block's URL (a dead or slow image host): the story
 * still goes out, once, without its image. Any other refusal, or a second one, stands.
 */
async function withoutImageOnInvalidBlocks<T>(reply: Reply, call: (reply: Reply) => Promise<T>): Promise<T> {
  try {
    return await call(reply);
  } catch (err) {
    const imageless = platformCode(err) === 'invalid_blocks' ? withoutImages(reply) : null;
    if (!imageless) throw err;
    return call(imageless);
  }
}

function withoutImages(reply: Reply): Reply | null {
  if (!reply.cards?.some((c) => c.imageUrl)) return null;
  return { ...reply, cards: reply.cards.map(({ imageUrl: _image, ...card }) => card) };
}

/** What a refused conversations.info means for the admin running /alerts subscribe. */
const CHECK_REFUSALS: Record<string, string> = {
  channel_not_found: 'access (the channel is unknown, or private without Newsdesk in it: /invite @Newsdesk)',
  not_in_channel: 'membership: invite Newsdesk with /invite @Newsdesk',
  method_not_supported_for_channel_type: 'a channel Newsdesk can join: invite it with /invite @Newsdesk',
  is_archived: 'an unarchived channel (this one is archived)',
  team_access_not_granted: 'access to this workspace (Newsdesk is not installed here)',
  access_denied: 'access: invite Newsdesk with /invite @Newsdesk',
  invalid_auth: 'a working bot token (Slack refused it: reinstall Newsdesk from slack-manifest.yml)',
  not_authed: 'a working bot token (none was sent: check SLACK_BOT_TOKEN)',
  account_inactive: 'a working bot token (the app or workspace is deactivated)',
  token_revoked: 'a working bot token (it was revoked: reinstall Newsdesk from slack-manifest.yml)',
};

/** A check that failed: a refusal says what is missing; a failure that passes says when to try again. */
function checkFailed(err: unknown): ChannelCheck {
  const code = platformCode(err);
  if (code === 'missing_scope') {
    const needed = ((err as webApi.WebAPIPlatformError).data as { needed?: unknown }).needed;
    const scope = typeof needed === 'string' && needed ? `the ${needed} scope` : 'the channels:read/groups:read scopes';
    return { ok: false, missing: [`${scope} (reinstall from slack-manifest.yml)`] };
  }
  if (code && CHECK_REFUSALS[code]) return { ok: false, missing: [CHECK_REFUSALS[code]] };
  const mapped = toDeliveryError(err);
  if (mapped instanceof RetryLater) {
    throw new UserError(`Slack is not answering right now (${mapped.reason}): try again in ${Math.max(1, Math.ceil(mapped.delayMs / 1000))} s.`);
  }
  return { ok: false, missing: [`access (Slack answered ${code ?? (mapped as Permanent).code}: invite Newsdesk with /invite @Newsdesk, or ask a workspace admin)`] };
}

/**
 * Many workspaces: whose token each call carries (the installation of the channel's workspace), and what to do when
 * Slack says that token expired. Absent with one workspace: the client's own token.
 */
export interface WorkspaceTokens {
  tokenFor(teamId: string): Promise<string>;
  expired(teamId: string): void;
}

/**
 * A refusal of one workspace's token, with many workspaces, is that workspace's problem, not the whole platform's:
 * its subscriptions pause (scope channel) instead of every Slack delivery being held.
 */
const WORKSPACE_TOKEN_REFUSED = new Set(['invalid_auth', 'account_inactive', 'token_revoked', 'not_authed']);

export class SlackPort implements OutboundPort {
  readonly platform = 'slack' as const;
  readonly rateRules = SLACK_RATE_RULES;

  constructor(private readonly client: webApi.WebClient, private readonly tokens?: WorkspaceTokens) {}

  /** `{ token }` for the workspace of this channel (many workspaces), or nothing (the client's one token). */
  private async auth(team: string): Promise<{ token?: string }> {
    if (!this.tokens) return {};
    try {
      return { token: await this.tokens.tokenFor(team) };
    } catch (err) {
      // Not installed: permanent for the channel. Anything else (the store, a refresh that failed on the way) passes:
      // nothing was sent, so nothing is in doubt.
      if (err instanceof Permanent) throw err;
      throw new RetryLater(TRANSIENT_DELAY_MS, `the workspace's token could not be read or refreshed: ${(err as Error)?.message ?? String(err)}`.slice(0, 200));
    }
  }

  /** Slack's refusal, mapped; with many workspaces a refused token concerns its workspace only. */
  private failure(err: unknown, team: string): Error {
    if (this.tokens && platformCode(err) === 'token_expired') {
      this.tokens.expired(team);
      return new RetryLater(1_000, 'Slack: token_expired (refreshing it)');
    }
    const mapped = toDeliveryError(err);
    if (this.tokens && mapped instanceof Permanent && WORKSPACE_TOKEN_REFUSED.has(mapped.code)) {
      return new Permanent(mapped.code, `${mapped.reason}; install Newsdesk in the workspace again, then /alerts resume`, 'channel');
    }
    return mapped;
  }

  private channelId(ref: ChannelRef): string {
    const parsed = parseChannelRef(ref);
    if (parsed.platform !== 'slack') throw new Permanent('wrong_platform', `${ref} is not a Slack channel`);
    return parsed.channel;
  }

  private async postMessage(team: string, channel: string, reply: Reply, options?: PostOptions, threadTs?: string): Promise<string> {
    const auth = await this.auth(team);
    const args = {
      ...auth,
      channel,
      ...renderReply(reply),
      unfurl_links: false,
      unfurl_media: false,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      ...(options?.deliveryId
        ? { metadata: { event_type: DELIVERY_EVENT_TYPE, event_payload: { delivery_id: options.deliveryId } } }
        : {}),
    };
    const send = () => withoutImageOnInvalidBlocks(reply, async (r) => (await this.client.chat.postMessage({ ...args, ...renderReply(r) })).ts as string);
    try {
      return await send();
    } catch (err) {
      if (platformCode(err) !== 'not_in_channel') throw this.failure(err, team);
    }
    // Public channels can be joined (channels:join); private ones answer method_not_supported_for_channel_type.
    try {
      await this.client.conversations.join({ channel, ...auth });
    } catch (err) {
      throw joinRefused(this.failure(err, team));
    }
    try {
      return await send();
    } catch (err) {
      throw this.failure(err, team);
    }
  }

  async post(channel: ChannelRef, reply: Reply, options?: PostOptions): Promise<MessageRef> {
    const team = parseChannelRef(channel).workspace;
    return formatMessageRef(channel, await this.postMessage(team, this.channelId(channel), reply, options, options?.thread));
  }

  async edit(message: MessageRef, reply: Reply): Promise<void> {
    const { platform, workspace, channel, messageId } = parseMessageRef(message);
    if (platform !== 'slack') throw new Permanent('wrong_platform', `${message} is not a Slack message`);
    const auth = await this.auth(workspace);
    try {
      await withoutImageOnInvalidBlocks(reply, (r) => this.client.chat.update({ channel, ts: messageId, ...renderReply(r), ...auth }));
    } catch (err) {
      throw this.failure(err, workspace);
    }
  }

  /**
   * A recall: chat.delete (chat:write covers it). message_not_found is "already gone"; a refusal fails this message
   * only. channel_not_found is not "gone": Slack also says it for a private channel Newsdesk was removed from, where
   * the alert is still there for everyone else to read.
   */
  async delete(message: MessageRef): Promise<void> {
    const { platform, workspace, channel, messageId } = parseMessageRef(message);
    if (platform !== 'slack') throw new Permanent('wrong_platform', `${message} is not a Slack message`, 'message');
    const auth = await this.auth(workspace);
    try {
      await this.client.chat.delete({ channel, ts: messageId, ...auth });
    } catch (err) {
      if (platformCode(err) === 'message_not_found') return;
      const e = this.failure(err, workspace);
      throw e instanceof Permanent ? new Permanent(e.code, e.reason, 'message') : e;
    }
  }

  async replyInThread(message: MessageRef, reply: Reply, options?: PostOptions): Promise<MessageRef> {
    const { platform, workspace, channel, messageId } = parseMessageRef(message);
    if (platform !== 'slack') throw new Permanent('wrong_platform', `${message} is not a Slack message`);
    // An alert posted in a thread (a thread target): its updates go into that thread, under its first message.
    const ts = await this.postMessage(workspace, channel, reply, options, options?.thread ?? messageId);
    return formatMessageRef(`slack:${workspace}/${channel}`, ts);
  }

  /**
   * Membership, joining public channels on the way; says what is missing otherwise. A thread target (a message
   * link): the message must be in the channel, read with conversations.replies (the channel then is this workspace's).
   */
  async checkChannel(ref: ChannelRef, needs: ChannelNeeds = {}): Promise<ChannelCheck> {
    const check = await this.checkMembership(ref);
    if (!check.ok || !needs.thread) return check;
    const { workspace, channel } = parseChannelRef(ref);
    try {
      const thread = await this.client.conversations.replies({ channel, ts: needs.thread, limit: 1, ...(await this.auth(workspace)) });
      if (thread.messages?.[0]?.ts === needs.thread) return check;
    } catch (err) {
      const code = platformCode(err);
      if (code !== 'thread_not_found' && code !== 'message_not_found') return checkFailed(err);
    }
    return { ok: false, missing: [], name: check.name, problem: 'the linked message is not in that channel (deleted, or a reply: link the thread\'s first message)' };
  }

  private async checkMembership(ref: ChannelRef): Promise<ChannelCheck> {
    const { platform, workspace, channel } = parseChannelRef(ref);
    if (platform !== 'slack') return { ok: false, missing: ['a Slack channel'] };
    let auth: { token?: string };
    try {
      auth = await this.auth(workspace);
    } catch (err) {
      if (err instanceof Permanent) return { ok: false, missing: ['an installation in this workspace (install Newsdesk with Add to Slack)'] };
      throw err;
    }
    let info: { name?: string; is_member?: boolean; is_private?: boolean; is_archived?: boolean };
    try {
      info = ((await this.client.conversations.info({ channel, ...auth })).channel ?? {}) as typeof info;
    } catch (err) {
      return checkFailed(err);
    }
    const name = info.name;
    if (info.is_archived) return { ok: false, missing: ['an unarchived channel (this one is archived)'], name };
    if (info.is_member) return { ok: true, missing: [], name };
    if (info.is_private) return { ok: false, missing: ['membership: invite Newsdesk with /invite @Newsdesk'], name };
    try {
      await this.client.conversations.join({ channel, ...auth });
      return { ok: true, missing: [], name };
    } catch (err) {
      const code = platformCode(err);
      return { ok: false, missing: [`membership (joining failed: ${code ?? 'network error'}; invite Newsdesk with /invite @Newsdesk)`], name };
    }
  }

  /**
   * Crash reconciliation: a message in the channel, newer than `sinceMs`, whose metadata carries the delivery id; for
   * a thread target, a reply in that thread (conversations.history lists no replies: conversations.replies does).
   */
  async findPosted(ref: ChannelRef, deliveryId: string, sinceMs: number, _hint?: unknown, thread?: string): Promise<MessageRef | null> {
    const channel = this.channelId(ref);
    const team = parseChannelRef(ref).workspace;
    const auth = await this.auth(team);
    let cursor: string | undefined;
    try {
      for (let page = 0; page < HISTORY_PAGES; page++) {
        const page = { ...auth, channel, oldest: (sinceMs / 1000).toFixed(6), include_all_metadata: true, limit: 200, ...(cursor ? { cursor } : {}) };
        const res = thread ? await this.client.conversations.replies({ ...page, ts: thread }) : await this.client.conversations.history(page);
        for (const m of res.messages ?? []) {
          const meta = m.metadata as { event_type?: string; event_payload?: { delivery_id?: unknown } } | undefined;
          if (meta?.event_type === DELIVERY_EVENT_TYPE && meta.event_payload?.delivery_id === deliveryId && m.ts) {
            return formatMessageRef(ref, m.ts);
          }
        }
        cursor = res.response_metadata?.next_cursor || undefined;
        if (!cursor) return null;
      }
      return null;
    } catch (err) {
      throw this.failure(err, team);
    }
  }
}
