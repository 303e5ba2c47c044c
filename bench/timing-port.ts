import { formatMessageRef, type ChannelRef, type MessageRef } from '../src/domain/channel.js';
import type { OutboundPort } from '../src/outbound/port.js';

export interface TimedPost {
  /** When the post reached the port, on the clock the bench handed in. */
  at: number;
  channel: string;
  /** The first card's title (alerts), or '' */
  title: string;
  /** The reply's text (briefings), or '' */
  text: string;
}

/** A terminal port that only notes when each post arrived: the benches' stand-in for a platform with no latency. */
export class TimingPort implements OutboundPort {
  readonly platform = 'terminal' as const;
  readonly posts: TimedPost[] = [];
  private n = 0;
  constructor(private readonly clock: () => number = Date.now) {}
  async post(channel: ChannelRef, reply: { text?: string; cards?: Array<{ title?: string }> }): Promise<MessageRef> {
    this.posts.push({ at: this.clock(), channel, title: reply.cards?.[0]?.title ?? '', text: reply.text ?? '' });
    return formatMessageRef(channel, `b${++this.n}`);
  }
  async edit(): Promise<void> {}
  async replyInThread(message: MessageRef): Promise<MessageRef> {
    return message;
  }
  async delete(): Promise<void> {}
}
