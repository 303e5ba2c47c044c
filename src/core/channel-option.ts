import type { Invocation } from './command.js';
import { formatChannelRef, formatMessageRef, isChannelRef, parseChannelRef } from '../domain/channel.js';

/**
 * A Slack message link: https://<workspace>.slack.com/archives/<channel>/p<ts without its dot>, with `thread_ts` in
 * the query when the message is itself a reply (its thread's parent is then the thread).
 */
const SLACK_MESSAGE_LINK = /^<?https:\/\/[a-z0-9-]+(?:\.enterprise)?\.slack\.com\/archives\/([CG][A-Z0-9]{2,20})\/p(\d{10})(\d{6})(\?[^\s>|]*)?(?:\|[^>]*)?>?$/;

/**
 * A channel option, as typed or as an adapter decoded it, becomes a channel reference in the invoker's own
 * server or workspace — never someone else's.
 */
export function normalizeChannelOption(value: string, invocation: Invocation, opts: { threadLinks?: boolean } = {}): string | null {
  const v = value.trim();
  const here = parseChannelRef(invocation.channel);
  const link = opts.threadLinks && here.platform === 'slack' ? SLACK_MESSAGE_LINK.exec(v) : null;
  if (link) {
    // The link's channel, in the invoker's workspace: a channel of another workspace is unknown to its token there.
    const parent = new URLSearchParams(link[4]?.slice(1) ?? '').get('thread_ts');
    const ts = parent && /^\d{10}\.\d{6}$/.test(parent) ? parent : `${link[2]}.${link[3]}`;
    return formatMessageRef(formatChannelRef({ platform: 'slack', workspace: here.workspace, channel: link[1] }), ts);
  }
  if (isChannelRef(v)) {
    const ref = parseChannelRef(v);
    return ref.platform === here.platform && ref.workspace === here.workspace ? v : null;
  }
  if (here.platform === 'terminal') {
    const m = /^#?([A-Za-z0-9_.-]{1,80})$/.exec(v);
    return m ? formatChannelRef({ platform: 'terminal', workspace: '', channel: m[1] }) : null;
  }
  if (here.platform === 'discord') {
    const m = /^<#(\d{5,25})>$|^(\d{5,25})$/.exec(v);
    const id = m?.[1] ?? m?.[2];
    return id ? formatChannelRef({ platform: 'discord', workspace: here.workspace, channel: id }) : null;
  }
  const m = /^<#([CGD][A-Z0-9]{2,20})(?:\|[^>]*)?>$|^([CGD][A-Z0-9]{2,20})$/.exec(v);
  const id = m?.[1] ?? m?.[2];
  return id ? formatChannelRef({ platform: 'slack', workspace: here.workspace, channel: id }) : null;
}
