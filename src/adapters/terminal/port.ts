import { randomBytes } from 'node:crypto';
import { channelOfMessage, formatMessageRef, parseChannelRef, parseMessageRef, type ChannelRef, type MessageRef } from '../../domain/channel.js';
import { Permanent, type ChannelCheck, type OutboundPort } from '../../outbound/port.js';
import type { Reply } from '../../core/reply.js';

/**
 * The terminal's outbound port: alerts for `terminal:<name>` channels are printed where the user is typing.
 * Message ids are unique across restarts so an alert posted before a restart can still be "edited".
 */
/** A null reply: the heading is the whole message (a deletion). */
export type TerminalPrinter = (heading: string, reply: Reply | null) => void;

export class TerminalPort implements OutboundPort {
  readonly platform = 'terminal' as const;
  private counter = 0;
  private readonly prefix = randomBytes(3).toString('hex');
  /** Alerts that arrive before the terminal is reading (start-up) wait here, then print in order. */
  private pending: Array<[string, Reply | null]> = [];
  private printer: TerminalPrinter | null = null;

  constructor(printer?: TerminalPrinter) {
    if (printer) this.attach(printer);
  }

  attach(printer: TerminalPrinter): void {
    this.printer = printer;
    for (const [heading, reply] of this.pending.splice(0)) printer(heading, reply);
  }

  private print(heading: string, reply: Reply | null): void {
    if (this.printer) this.printer(heading, reply);
    else this.pending.push([heading, reply]);
  }

  private nextId(): string {
    this.counter += 1;
    return `${this.prefix}${this.counter}`;
  }

  private check(channel: ChannelRef): string {
    const parsed = parseChannelRef(channel);
    if (parsed.platform !== 'terminal') throw new Permanent('wrong_platform', `${channel} is not a terminal channel`);
    return parsed.channel;
  }

  async post(channel: ChannelRef, reply: Reply): Promise<MessageRef> {
    const name = this.check(channel);
    const id = this.nextId();
    this.print(`🔔 Alert in #${name} (message ${id})`, reply);
    return formatMessageRef(channel, id);
  }

  async edit(message: MessageRef, reply: Reply): Promise<void> {
    const { channel, messageId } = parseMessageRef(message);
    this.check(channelOfMessage(message));
    this.print(`✎ Alert ${messageId} in #${channel} updated`, reply);
  }

  async replyInThread(message: MessageRef, reply: Reply): Promise<MessageRef> {
    const { channel, messageId } = parseMessageRef(message);
    const channelRef = channelOfMessage(message);
    this.check(channelRef);
    const id = this.nextId();
    this.print(`↳ Follow-up to ${messageId} in #${channel}`, reply);
    return formatMessageRef(channelRef, id);
  }

  /** The terminal keeps no history to remove: it says which alert is gone. */
  async delete(message: MessageRef): Promise<void> {
    const { channel, messageId } = parseMessageRef(message);
    this.check(channelOfMessage(message));
    this.print(`🗑 Alert ${messageId} in #${channel} deleted`, null);
  }

  async checkChannel(channel: ChannelRef): Promise<ChannelCheck> {
    return { ok: true, missing: [], name: this.check(channel) };
  }
}
