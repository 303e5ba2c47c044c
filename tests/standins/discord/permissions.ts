/** Discord's permission arithmetic and mention rules, written independently of discord.js for the stand-in. */
export const P = {
  Administrator: 1n << 3n,
  ManageGuild: 1n << 5n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  ManageThreads: 1n << 34n,
  CreatePublicThreads: 1n << 35n,
  SendMessagesInThreads: 1n << 38n,
} as const;

export const ALL_PERMISSIONS = (1n << 50n) - 1n;

export interface Overwrite {
  id: string;
  /** 0 role, 1 member */
  type: 0 | 1;
  allow: string;
  deny: string;
}

export interface RoleLike {
  id: string;
  permissions: string;
  mentionable?: boolean;
}

/** Guild-level permissions of a member (roles include the @everyone role, whose id is the guild id). */
export function basePermissions(guildId: string, roles: RoleLike[], memberRoleIds: string[]): bigint {
  let perms = 0n;
  for (const role of roles) if (role.id === guildId || memberRoleIds.includes(role.id)) perms |= BigInt(role.permissions);
  return perms & P.Administrator ? ALL_PERMISSIONS : perms;
}

/** Channel permissions: @everyone overwrite, then role overwrites together, then the member's own overwrite. */
export function channelPermissions(
  guildId: string,
  roles: RoleLike[],
  memberId: string,
  memberRoleIds: string[],
  overwrites: Overwrite[],
): bigint {
  let perms = basePermissions(guildId, roles, memberRoleIds);
  if (perms === ALL_PERMISSIONS) return perms;
  const apply = (o: Overwrite | undefined) => {
    if (o) perms = (perms & ~BigInt(o.deny)) | BigInt(o.allow);
  };
  apply(overwrites.find((o) => o.id === guildId));
  let allow = 0n;
  let deny = 0n;
  for (const o of overwrites) {
    if (o.type === 0 && o.id !== guildId && memberRoleIds.includes(o.id)) {
      allow |= BigInt(o.allow);
      deny |= BigInt(o.deny);
    }
  }
  perms = (perms & ~deny) | allow;
  apply(overwrites.find((o) => o.type === 1 && o.id === memberId));
  return perms;
}

export interface Pings {
  everyone: boolean;
  roles: string[];
  users: string[];
}

/**
 * Who a message would actually notify. Only `content` can ping (embeds never do). With no allowed_mentions,
 * Discord parses everything; role and @everyone pings also need the sender's Mention Everyone permission
 * (or a mentionable role).
 */
export function computePings(
  content: string,
  allowed: { parse?: string[]; roles?: string[]; users?: string[] } | undefined,
  senderPermissions: bigint,
  roles: RoleLike[],
): Pings {
  const parse = allowed ? (allowed.parse ?? []) : ['everyone', 'roles', 'users'];
  const canMentionAll = (senderPermissions & P.MentionEveryone) !== 0n;
  const everyone = /@(everyone|here)\b/.test(content) && parse.includes('everyone') && canMentionAll;
  const roleIds = [...content.matchAll(/<@&(\d+)>/g)].map((m) => m[1]);
  const pingedRoles = roleIds.filter((id) => {
    const listed = parse.includes('roles') || (allowed?.roles ?? []).includes(id);
    const role = roles.find((r) => r.id === id);
    return listed && (canMentionAll || Boolean(role?.mentionable));
  });
  const userIds = [...content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1]);
  const pingedUsers = userIds.filter((id) => parse.includes('users') || (allowed?.users ?? []).includes(id));
  return { everyone, roles: [...new Set(pingedRoles)], users: [...new Set(pingedUsers)] };
}
