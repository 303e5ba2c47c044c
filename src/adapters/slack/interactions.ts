import type { Invocation } from '../../core/command.js';
import type { Dispatcher, Prepared } from '../../core/dispatcher.js';
import { errorReply, isReply, type Reply } from '../../core/reply.js';
import type { Logger } from '../../log.js';
import type { SlackAdmins } from './admins.js';
import { decodeCommandText } from './entities.js';
import { renderReply, SHARE_ACTION_ID, type SlackMessage } from './render.js';

/**
 * Slash commands and button clicks, Bolt-free: facts in, `ack`/`respond` out. The rhythm is Bolt's: `ack()` first
 * (Slack allows 3 seconds, whatever the store is doing), the answer through `respond()` (response_url) after.
 * Only synchronous validation happens before the ack; its error, if any, is the ack's ephemeral body.
 */
export interface Who {
  userId: string;
  userName: string;
  teamId: string;
  channelId: string;
  channelName?: string;
}

export interface CommandFacts extends Who {
  /** As typed: `/news`. */
  command: string;
  text: string;
}

export interface ActionFacts extends Who {
  actionId: string;
  value?: string;
  /** The clicked message is visible to the channel (not the clicker's ephemeral answer). */
  inChannel: boolean;
}

export interface SlackResponse extends Partial<SlackMessage> {
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  delete_original?: boolean;
}
export type Ack = (body?: SlackResponse) => Promise<void>;
export type Respond = (body: SlackResponse) => Promise<unknown>;

/** What "Share in channel" re-runs: a command line, or a button's action (a later /news page). */
type ShareState = { c: string; t: string } | { a: string };

export interface SlackInteractionsOptions {
  dispatcher: Dispatcher;
  admins: SlackAdmins;
  /** Slack command name (`/news`) → core command name (`news`). */
  commandNames: ReadonlyMap<string, string>;
  logger: Logger;
}

const RESTARTING = 'Newsdesk is restarting. Try again in a minute.';
const FAILED = 'Sorry, something went wrong on our side. Please try again.';

export class SlackInteractions {
  private accepting = true;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly opts: SlackInteractionsOptions) {}

  command(facts: CommandFacts, ack: Ack, respond: Respond): Promise<void> {
    return this.track(async (state) => {
      const { dispatcher, admins } = this.opts;
      if (!this.accepting) return ack(ephemeral(errorReply(RESTARTING)));
      const name = this.opts.commandNames.get(facts.command.toLowerCase());
      if (!name) return ack(ephemeral(errorReply(`Newsdesk does not know ${facts.command.slice(0, 40)}. Try ${this.helpCommand()}.`)));
      const text = decodeCommandText(facts.text ?? '', facts.teamId);
      const admin = dispatcher.find(name)?.permission === 'admin';
      let isAdmin = admins.known(facts.userId, facts.teamId);
      if (admin && isAdmin === undefined) {
        // users.info is a network call: acknowledge first, answer through response_url.
        await ack();
        state.acked = true;
        isAdmin = await admins.isAdmin(facts.userId, facts.teamId);
      }
      const prepared = this.prepare({ ...this.invocation(facts, isAdmin ?? false), command: name, text });
      if (isReply(prepared)) return state.acked ? void (await respond(ephemeral(prepared))) : ack(ephemeral(prepared));
      if (!state.acked) {
        await ack();
        state.acked = true;
      }
      const reply = await dispatcher.execute(prepared);
      await respond(toResponse(reply, admin, { c: name, t: text }));
    }, ack, respond);
  }

  action(facts: ActionFacts, ack: Ack, respond: Respond): Promise<void> {
    return this.track(async (state) => {
      await ack();
      state.acked = true;
      if (!this.accepting) return void (await respond(notice(errorReply(RESTARTING))));
      if (facts.actionId === SHARE_ACTION_ID) return this.share(facts, respond);
      const name = facts.actionId.split(':')[0];
      const admin = this.opts.dispatcher.find(name)?.permission === 'admin';
      const isAdmin = admin ? await this.opts.admins.isAdmin(facts.userId, facts.teamId) : (this.opts.admins.known(facts.userId, facts.teamId) ?? false);
      const reply = await this.opts.dispatcher.action(this.invocation(facts, isAdmin), facts.actionId);
      if (reply.kind === 'error' || (reply.visibility === 'ephemeral' && facts.inChannel)) return void (await respond(notice(reply)));
      // "More" replaces the message it was clicked on; an ephemeral answer stays ephemeral and shareable.
      const share = !facts.inChannel && reply.shareable && !admin ? shareValue({ a: facts.actionId }) : undefined;
      await respond({ replace_original: true, ...renderReply(reply, { share }) });
    }, ack, respond);
  }

  /** Re-runs what the ephemeral answer showed and posts it for everyone, then removes the private copy. */
  private async share(facts: ActionFacts, respond: Respond): Promise<void> {
    const state = parseShare(facts.value);
    if (!state) return void (await respond(notice(errorReply('This button has expired. Run the command again.'))));
    let reply: Reply;
    if ('c' in state) {
      const prepared = this.prepare({ ...this.invocation(facts, false), command: state.c, text: state.t });
      reply = isReply(prepared)
        ? prepared
        : prepared.command.permission === 'admin'
          ? errorReply('Admin answers stay private.')
          : await this.opts.dispatcher.execute(prepared);
    } else {
      reply = await this.opts.dispatcher.action(this.invocation(facts, false), state.a);
    }
    if (reply.kind === 'error') return void (await respond(notice(reply)));
    await respond({ response_type: 'in_channel', replace_original: false, ...renderReply(reply) });
    await respond({ delete_original: true });
  }

  private prepare(invocation: Invocation): Prepared | Reply {
    try {
      return this.opts.dispatcher.prepare(invocation);
    } catch (err) {
      this.opts.logger.error({ err, command: invocation.command }, 'slack: prepare failed');
      return errorReply(FAILED);
    }
  }

  private invocation(who: Who, isAdmin: boolean): Invocation {
    return {
      platform: 'slack',
      command: '',
      user: { id: who.userId, name: who.userName, isAdmin },
      workspace: who.teamId,
      channel: `slack:${who.teamId}/${who.channelId}`,
      ...(who.channelName ? { channelName: who.channelName } : {}),
      commandNames: Object.fromEntries([...this.opts.commandNames].map(([slash, core]) => [core, slash])),
    };
  }

  private helpCommand(): string {
    for (const [slack, core] of this.opts.commandNames) if (core === 'help') return slack;
    return '/help';
  }

  /** Stop taking commands and wait (bounded) for the ones in flight. */
  async drain(timeoutMs: number): Promise<void> {
    this.accepting = false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); }),
    ]);
    clearTimeout(timer);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  private track(work: (state: { acked: boolean }) => Promise<void>, ack: Ack, respond: Respond): Promise<void> {
    const state = { acked: false };
    const p = work(state).catch(async (err: unknown) => {
      this.opts.logger.error({ err }, 'slack: interaction failed');
      const apology = ephemeral(errorReply(FAILED));
      await (state.acked ? respond({ ...apology, replace_original: false }) : ack(apology)).catch(() => {});
    });
    const tracked = p.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return tracked;
  }
}

/** Errors and admin answers are private; /news and /summary answers are private with a "Share in channel" button. */
export function toResponse(reply: Reply, admin: boolean, shareState: ShareState): SlackResponse {
  const isEphemeral = reply.kind === 'error' || admin || Boolean(reply.shareable) || reply.visibility === 'ephemeral';
  const share = isEphemeral && reply.kind === 'answer' && reply.shareable && !admin ? shareValue(shareState) : undefined;
  return { response_type: isEphemeral ? 'ephemeral' : 'in_channel', ...renderReply(reply, { share }) };
}

function ephemeral(reply: Reply): SlackResponse {
  return { response_type: 'ephemeral', ...renderReply(reply) };
}

/** A private message next to the clicked one, which stays as it was. */
function notice(reply: Reply): SlackResponse {
  return { response_type: 'ephemeral', replace_original: false, ...renderReply(reply) };
}

function shareValue(state: ShareState): string {
  return JSON.stringify(state);
}

function parseShare(value: string | undefined): ShareState | null {
  try {
    const v = JSON.parse(value ?? '') as Record<string, unknown>;
    if (typeof v.c === 'string' && typeof v.t === 'string' && v.c.length <= 40) return { c: v.c, t: v.t };
    if (typeof v.a === 'string' && v.a.length <= 255) return { a: v.a };
  } catch {
    // fall through: not ours, or damaged
  }
  return null;
}
