import type { Invocation } from './command.js';
import { formatChannelRef, isChannelRef, parseChannelRef } from '../domain/channel.js';

/**
 * A channel option, as typed or as an adapter decoded it, becomes a channel reference in the invoker's own
 * server or workspace — never someone else's.
 */
export function normalizeChannelOption(value: string, invocation: Invocation): string | null {
  const v = value.trim();
  const here = parseChannelRef(invocation.channel);
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
