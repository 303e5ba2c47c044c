import type { ChannelRef, Platform } from './channel.js';

/** Where a server's or workspace's admins are told about trouble (named with /alerts ops). */
export interface OpsChannel {
  platform: Platform;
  workspace: string;
  channel: ChannelRef;
  channelName: string | null;
  setBy: string;
  setByName: string;
  setAt: string;
}
