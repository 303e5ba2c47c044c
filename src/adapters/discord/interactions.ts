import type { Invocation, OptionChoice } from '../../core/command.js';
import type { Dispatcher, Prepared } from '../../core/dispatcher.js';
import { errorReply, isReply, type Reply } from '../../core/reply.js';
import type { Logger } from '../../log.js';
import { renderReply, type DiscordMessage } from './render.js';

/**
 * One interaction flow for both transports (gateway and HTTP): facts in, Discord responses out. Validation comes
 * before any defer, because a deferred reply's ephemerality cannot change afterwards.
 */
export interface InteractionFacts {
  guildId: string | null;
  channelId: string;
  channelName?: string;
  userId: string;
  userName: string;
  /** The member's permissions in this channel, as the interaction reports them; null in DMs. */
  memberPermissions: bigint | null;
  memberRoles: string[];
}

export interface CommandFacts extends InteractionFacts {
  command: string;
  subcommand?: string;
  options: Record<string, unknown>;
}

/** How to answer one interaction; the first call must come within Discord's 3 seconds. */
export interface Responder {
  reply(message: DiscordMessage, ephemeral: boolean): Promise<void>;
  defer(ephemeral: boolean): Promise<void>;
  editOriginal(message: DiscordMessage): Promise<void>;
  deleteOriginal(): Promise<void>;
  followUp(message: DiscordMessage, ephemeral: boolean): Promise<void>;
  /** Replace the message whose button was clicked (type 7). */
  update(message: DiscordMessage): Promise<void>;
  /** Acknowledge a click now, edit the message later (type 6). */
  deferUpdate(): Promise<void>;
  choices(choices: OptionChoice[]): Promise<void>;
}

const MANAGE_GUILD = 1n << 5n;
const ADMINISTRATOR = 1n << 3n;
const ACTION_ID = /^[a-z][a-z0-9_-]{0,31}:[\x21-\x7e]{1,98}$/;

export interface InteractionHandlerOptions {
  dispatcher: Dispatcher;
  logger: Logger;
  editorRoleIds: readonly string[];
  /** Work not finished by then is deferred, keeping clear of Discord's 3-second limit. */
  deferAfterMs?: number;
}

export class InteractionHandler {
  private accepting = true;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly deferAfterMs: number;

  constructor(private readonly opts: InteractionHandlerOptions) {
    this.deferAfterMs = opts.deferAfterMs ?? 2_000;
  }

  toInvocation(facts: InteractionFacts, command = ''): Invocation {
    const perms = facts.memberPermissions ?? 0n;
    const isAdmin =
      facts.guildId !== null &&
      ((perms & (MANAGE_GUILD | ADMINISTRATOR)) !== 0n || facts.memberRoles.some((r) => this.opts.editorRoleIds.includes(r)));
    return {
      platform: 'discord',
      command,
      user: { id: facts.userId, name: facts.userName, isAdmin },
      workspace: facts.guildId ?? '',
      channel: facts.guildId ? `discord:${facts.guildId}/${facts.channelId}` : `discord:dm/${facts.channelId}`,
      channelName: facts.channelName,
    };
  }

  command(facts: CommandFacts, responder: Responder): Promise<void> {
    return this.track(async () => {
      if (!this.accepting) return responder.reply(renderReply(errorReply('Newsdesk is restarting. Try again in a minute.')), true);
      const invocation: Invocation = {
        ...this.toInvocation(facts, facts.command),
        options: facts.options,
        ...(facts.subcommand ? { subcommand: facts.subcommand } : {}),
      };
      let prepared: Prepared | Reply;
      try {
        prepared = this.opts.dispatcher.prepare(invocation);
      } catch (err) {
        this.opts.logger.error({ err, command: facts.command }, 'discord: prepare failed');
        prepared = errorReply('Sorry, something went wrong on our side. Please try again.');
      }
      if (isReply(prepared)) return responder.reply(renderReply(prepared), true);
      const ready = prepared;
      const deferEphemeral = ready.visibility === 'ephemeral';
      const admin = ready.command.permission === 'admin';
      const work = this.opts.dispatcher.execute(ready);
      const early = ready.mayBeSlow ? null : await settleWithin(work, this.deferAfterMs);
      if (early) {
        const ephemeral = admin || early.kind === 'error' || early.visibility === 'ephemeral';
        return responder.reply(renderReply(early), ephemeral);
      }
      await responder.defer(deferEphemeral);
      const result = await work;
      if (result.kind === 'error' && !deferEphemeral) {
        // The public "thinking…" message cannot become ephemeral: remove it and answer privately.
        await responder.deleteOriginal();
        return responder.followUp(renderReply(result), true);
      }
      return responder.editOriginal(renderReply(result));
    }, responder, facts.command);
  }

  button(facts: InteractionFacts, customId: string, responder: Responder): Promise<void> {
    return this.track(async () => {
      if (!this.accepting) return responder.reply(renderReply(errorReply('Newsdesk is restarting. Try again in a minute.')), true);
      if (!ACTION_ID.test(customId)) {
        return responder.reply(renderReply(errorReply('This button is not one Newsdesk understands, or it has expired. Run the command again.')), true);
      }
      const work = this.opts.dispatcher.action(this.toInvocation(facts), customId);
      const early = await settleWithin(work, this.deferAfterMs);
      if (early) {
        if (early.kind === 'error' || early.visibility === 'ephemeral') return responder.reply(renderReply(early), true);
        return responder.update(renderReply(early));
      }
      await responder.deferUpdate();
      const result = await work;
      if (result.kind === 'error' || result.visibility === 'ephemeral') return responder.followUp(renderReply(result), true);
      return responder.editOriginal(renderReply(result));
    }, responder, `button ${customId.split(':')[0]}`);
  }

  autocomplete(facts: CommandFacts, focused: string, value: string, responder: Responder): Promise<void> {
    return this.track(async () => {
      if (!this.accepting) return responder.choices([]);
      const invocation: Invocation = {
        ...this.toInvocation(facts, facts.command),
        options: facts.options,
        ...(facts.subcommand ? { subcommand: facts.subcommand } : {}),
      };
      const choices = (await settleWithin(this.opts.dispatcher.autocomplete(invocation, focused, value), this.deferAfterMs)) ?? [];
      return responder.choices(choices.slice(0, 25));
    }, responder, `autocomplete ${facts.command}`);
  }

  /** Stop taking interactions and wait (bounded) for the ones in flight. */
  async drain(timeoutMs: number): Promise<void> {
    this.accepting = false;
    await settleWithin(Promise.allSettled([...this.inFlight]), timeoutMs);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  private track(work: () => Promise<void>, responder: Responder, what: string): Promise<void> {
    const p = work().catch(async (err: unknown) => {
      this.opts.logger.error({ err, what }, 'discord: interaction failed');
      await responder.followUp(renderReply(errorReply('Sorry, something went wrong on our side. Please try again.')), true).catch(() => {});
    });
    const tracked = p.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return tracked;
  }
}

/** The value if `work` settles within `ms`, else null (the work keeps running). */
async function settleWithin<T>(work: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
