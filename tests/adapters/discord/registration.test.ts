import { describe, expect, it } from 'vitest';
import { alerts } from '../../../commands/alerts.js';
import { coreCommands } from '../../../commands/index.js';
import { commandsPayload } from '../../../src/adapters/discord/registration.js';
import { validateCommands } from '../../standins/discord/validate.js';
import { INVITE_PERMISSIONS, inviteUrl } from '../../../src/adapters/discord/invite.js';

/** The real command definitions become a registration Discord accepts. */
describe('Discord registration of the real commands', () => {
  it('registers every command the bot serves, /alerts with subcommands, admin-only, no DMs, as the strict stand-in accepts', () => {
    const payload = commandsPayload(coreCommands());
    expect(validateCommands(payload)).toBeNull();
    expect(payload.map((c) => c.name)).toEqual(['news', 'summary', 'alerts', 'help']);
    const a = payload.find((c) => c.name === 'alerts')!;
    expect(a).toMatchObject({ default_member_permissions: '32', dm_permission: false, contexts: [0] });
    expect(a.options.every((o) => o.type === 1)).toBe(true);
    expect(a.options.map((o) => o.name)).toEqual(Object.keys(alerts.subcommands!));
  });

  it('invites with bot + applications.commands and exactly the six permissions', () => {
    expect(INVITE_PERMISSIONS).toBe((1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 16n) | (1n << 35n) | (1n << 38n));
    const url = new URL(inviteUrl('123456789'));
    expect(url.searchParams.get('scope')).toBe('bot applications.commands');
    expect(url.searchParams.get('permissions')).toBe('309237730304');
  });
});
