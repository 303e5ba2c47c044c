/**
 * The stand-in's workspaces: teams, channels (public, private, archived; joined or not), users (admins, owners,
 * everyone else) and the messages the bot posted, with their edits. Ids look like Slack's (uppercase letters/digits).
 */
export interface StandInChannel {
  id: string;
  name: string;
  team: string;
  isPrivate: boolean;
  isArchived: boolean;
  /** Is the bot a member? Posting needs it (no chat:write.public), public channels can be joined. */
  isMember: boolean;
}

export interface StandInUser {
  id: string;
  name: string;
  team: string;
  isAdmin: boolean;
  isOwner: boolean;
}

export interface StandInTeam {
  id: string;
  name: string;
  channels: StandInChannel[];
  users: StandInUser[];
}

export interface PostedMessage {
  team: string;
  channel: string;
  ts: string;
  threadTs?: string;
  text: string;
  blocks?: unknown[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  unfurlLinks?: boolean;
  unfurlMedia?: boolean;
  /** Earlier versions, oldest first, when chat.update changed the message. */
  edits: Array<{ text: string; blocks?: unknown[] }>;
  /** Who wrote it: absent for the bot's own posts; a user id for messages people wrote (the bot cannot delete those). */
  user?: string;
  /**
   * chat.delete removed it: gone from conversations.history and conversations.replies (a deleted thread parent whose
   * replies remain shows as Slack's tombstone, "This message was deleted."). Its replies are not deleted with it.
   */
  deleted?: boolean;
}

export interface TeamSpec {
  id?: string;
  name?: string;
  /** A number makes that many public channels the bot is in (c0001, c0002, …); a list sets each one. */
  channels?: number | Array<Partial<StandInChannel> & { name: string }>;
  users?: Array<Partial<StandInUser> & { id: string }>;
}

/** The default workspace: every kind of channel and user a test needs. */
export const DEFAULT_TEAM: Required<Omit<TeamSpec, 'id' | 'name'>> = {
  channels: [
    { id: 'C0NEWSROOM', name: 'newsroom', isMember: true },
    { id: 'C0BREAKING', name: 'breaking', isMember: false },
    { id: 'G0EDITORS', name: 'editors', isPrivate: true, isMember: false },
    { id: 'G0DESK', name: 'desk', isPrivate: true, isMember: true },
    { id: 'C0OLDNEWS', name: 'old-news', isArchived: true, isMember: true },
  ],
  users: [
    { id: 'U0READER', name: 'reader' },
    { id: 'U0ADMIN', name: 'ada', isAdmin: true },
    { id: 'U0OWNER', name: 'olga', isOwner: true },
    { id: 'U0CHIEF', name: 'chief', isAdmin: true },
  ],
};

export function buildTeams(specs: TeamSpec[] | undefined): StandInTeam[] {
  const list = specs?.length ? specs : [{}];
  return list.map((spec, t) => {
    const id = spec.id ?? `T${String(t + 1).padStart(7, '0')}`;
    const channelSpec = spec.channels ?? DEFAULT_TEAM.channels;
    const channels: StandInChannel[] = typeof channelSpec === 'number'
      ? Array.from({ length: channelSpec }, (_, i) => ({
          id: `C${t.toString(36).toUpperCase().padStart(3, '0')}${String(i + 1).padStart(5, '0')}`,
          name: `c${String(i + 1).padStart(4, '0')}`, team: id, isPrivate: false, isArchived: false, isMember: true,
        }))
      : channelSpec.map((c, i) => ({
          id: c.id ?? `C${t}X${String(i + 1).padStart(5, '0')}`, name: c.name, team: id,
          isPrivate: c.isPrivate ?? false, isArchived: c.isArchived ?? false, isMember: c.isMember ?? true,
        }));
    const users = (spec.users ?? DEFAULT_TEAM.users).map((u) => ({
      id: u.id, name: u.name ?? u.id.toLowerCase(), team: id, isAdmin: u.isAdmin ?? false, isOwner: u.isOwner ?? false,
    }));
    return { id, name: spec.name ?? `Newsroom ${t + 1}`, channels, users };
  });
}

export class World {
  readonly messages: PostedMessage[] = [];
  private readonly channels = new Map<string, StandInChannel>();
  private readonly users = new Map<string, StandInUser>();
  private lastTs = 0;

  constructor(readonly teams: StandInTeam[]) {
    for (const team of teams) {
      for (const c of team.channels) this.channels.set(c.id, c);
      for (const u of team.users) this.users.set(u.id, u);
    }
  }

  channel(id: unknown): StandInChannel | undefined {
    return typeof id === 'string' ? this.channels.get(id) : undefined;
  }

  user(id: unknown): StandInUser | undefined {
    return typeof id === 'string' ? this.users.get(id) : undefined;
  }

  /** Slack message timestamps: seconds.micro, unique and increasing within the stand-in. */
  nextTs(): string {
    const micros = Math.max(Date.now() * 1000, this.lastTs + 1);
    this.lastTs = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  /** A message that exists (a deleted one does not). */
  find(channel: string, ts: string): PostedMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts && !m.deleted);
  }

  /** The live replies in the thread of `parentTs`, oldest first. */
  replies(channel: string, parentTs: string): PostedMessage[] {
    return this.messages
      .filter((m) => m.channel === channel && m.threadTs === parentTs && m.ts !== parentTs && !m.deleted)
      .sort((a, b) => Number(a.ts) - Number(b.ts));
  }
}
