import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { SealedSlackInstallations } from '../../../src/store/slack-installations.js';
import type { SlackInstallation, Store } from '../../../src/store/types.js';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';
import { NOW } from '../helpers.js';
import { eachBackend } from './backends.js';

const T = NOW.getTime();
const KEY = '5f'.repeat(32);
const OTHER_KEY = 'a0'.repeat(32);

const install = (over: Partial<SlackInstallation> = {}): SlackInstallation => ({
  teamId: 'T0ALPHA', enterpriseId: null, isEnterpriseInstall: false, teamName: 'Alpha Desk', appId: 'A0NEWSDESK',
  botToken: 'xoxb-alpha-secret-token-1', botUserId: 'U0BOTA', botId: 'B0BOTA', scopes: ['commands', 'chat:write'],
  refreshToken: 'xoxe-1-alpha-refresh', tokenExpiresAt: T + 12 * 3_600_000, installerUserId: 'U0ADA', installedAt: T, ...over,
});

eachBackend(import.meta.filename, 'slack installations', (backend) => {
  let store: Store;
  let installs: SealedSlackInstallations;
  beforeEach(async () => {
    store = await backend.open({ now: () => NOW });
    installs = new SealedSlackInstallations(store.slackInstallations, KEY);
  });
  afterEach(() => backend.cleanup());

  it('stores, fetches by team id, replaces on a second store, deletes', async () => {
    expect(await installs.fetch({ teamId: 'T0ALPHA' })).toBeNull();
    await installs.store(install(), T);
    expect(await installs.fetch({ teamId: 'T0ALPHA' })).toEqual(install());
    expect(await installs.fetch({ teamId: 'T0BETA' })).toBeNull();
    // Rotation: the new pair replaces the old one.
    await installs.store(install({ botToken: 'xoxe.xoxb-alpha-2', refreshToken: 'xoxe-1-alpha-refresh-2', tokenExpiresAt: T + 24 * 3_600_000 }), T + 1000);
    expect(await installs.fetch({ teamId: 'T0ALPHA' })).toMatchObject({ botToken: 'xoxe.xoxb-alpha-2', refreshToken: 'xoxe-1-alpha-refresh-2', tokenExpiresAt: T + 24 * 3_600_000 });
    expect(await installs.list()).toEqual([{
      key: 'T0ALPHA', teamId: 'T0ALPHA', enterpriseId: null, isEnterpriseInstall: false, teamName: 'Alpha Desk', botUserId: 'U0BOTA', botId: 'B0BOTA',
      scopes: ['commands', 'chat:write'], tokenExpiresAt: T + 24 * 3_600_000, installerUserId: 'U0ADA', installedAt: T, updatedAt: T + 1000,
    }]);
    expect(await installs.delete({ teamId: 'T0ALPHA' })).toBe(true);
    expect(await installs.delete({ teamId: 'T0ALPHA' })).toBe(false);
    expect(await installs.fetch({ teamId: 'T0ALPHA' })).toBeNull();
  });

  it('an org-wide install is stored by enterprise id and answers for its teams; a team install wins over it', async () => {
    const org = install({ teamId: null, enterpriseId: 'E0GROUP', isEnterpriseInstall: true, teamName: null, botToken: 'xoxb-org-token', refreshToken: null, tokenExpiresAt: null });
    await installs.store(org, T);
    expect(await installs.fetch({ enterpriseId: 'E0GROUP', isEnterpriseInstall: true })).toEqual(org);
    expect(await installs.fetch({ teamId: 'T0INORG', enterpriseId: 'E0GROUP', isEnterpriseInstall: false })).toEqual(org);
    expect(await installs.fetch({ teamId: 'T0INORG' })).toBeNull();
    await installs.store(install({ teamId: 'T0INORG', enterpriseId: 'E0GROUP', botToken: 'xoxb-own-token' }), T);
    expect((await installs.fetch({ teamId: 'T0INORG', enterpriseId: 'E0GROUP' }))?.botToken).toBe('xoxb-own-token');
    expect(await installs.delete({ enterpriseId: 'E0GROUP', isEnterpriseInstall: true })).toBe(true);
    expect(await installs.fetch({ teamId: 'T0OTHER', enterpriseId: 'E0GROUP' })).toBeNull();
    expect((await installs.fetch({ teamId: 'T0INORG', enterpriseId: 'E0GROUP' }))?.botToken).toBe('xoxb-own-token');
  });

  it('tokens are sealed: the rows hold no token, another key cannot open them, a row moved to another key does not open', async () => {
    await installs.store(install(), T);
    await installs.store(install({ teamId: 'T0BETA', botToken: 'xoxb-beta-secret-token', refreshToken: null }), T);
    const rows = await store.slackInstallations.list();
    const text = JSON.stringify(rows);
    expect(text).not.toContain('xoxb-alpha-secret-token-1');
    expect(text).not.toContain('xoxe-1-alpha-refresh');
    expect(text).not.toContain('A0NEWSDESK');
    expect(rows[0].sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    await expect(new SealedSlackInstallations(store.slackInstallations, OTHER_KEY).fetch({ teamId: 'T0ALPHA' })).rejects.toThrow(/NEWSDESK_SECRET_KEY is not the key/);
    const beta = rows.find((r) => r.key === 'T0BETA')!;
    await store.slackInstallations.put({ ...rows.find((r) => r.key === 'T0ALPHA')!, sealed: beta.sealed });
    await expect(installs.fetch({ teamId: 'T0ALPHA' })).rejects.toThrow(/could not be opened/);
  });

  it('OAuth states: each taken once, never after it expires', async () => {
    await store.oauthStates.put('h1', '{"scopes":["commands"]}', T + 600_000);
    await store.oauthStates.put('h2', '{}', T + 600_000);
    expect(await store.oauthStates.take('h1', T + 1000)).toBe('{"scopes":["commands"]}');
    expect(await store.oauthStates.take('h1', T + 2000)).toBeNull();
    expect(await store.oauthStates.take('nope', T)).toBeNull();
    expect(await store.oauthStates.take('h2', T + 600_000)).toBeNull();
    const [a, b] = await Promise.all([
      (async () => { await store.oauthStates.put('h3', 'x', T + 600_000); return store.oauthStates.take('h3', T); })(),
      (async () => { await new Promise((r) => setTimeout(r, 5)); return store.oauthStates.take('h3', T); })(),
    ]);
    expect([a, b].filter((v) => v === 'x')).toHaveLength(1);
  });

  it('a queued delivery of a gone workspace fails with the reason; a sent one is left as it is', async () => {
    const sub = await store.subscriptions.create({ platform: 'slack', workspace: 'T0ALPHA', channel: 'slack:T0ALPHA/C1', minPriority: 'breaking' }, { id: 'U1', name: 'Ada' }, NOW);
    const row = (id: string) => ({ id, storyId: `s-${id}`, articleId: `a-${id}`, subscriptionId: sub.id, kind: 'alert' as const, platform: 'slack' as const,
      channel: 'slack:T0ALPHA/C1', priorityRank: 0, state: 'pending' as const, targetVersion: 1, dueAt: T });
    await store.outbox.insert(row('d1'), T);
    await store.outbox.insert(row('d2'), T);
    expect(await store.outbox.claimPost('d2', T)).toBe(true);
    await store.outbox.markSent('d2', 'slack:T0ALPHA/C1#1.000001', 1, T);
    expect(await store.outbox.failQueued(sub.id, 'uninstalled', T + 5)).toBe(1);
    expect(await store.outbox.get('d1')).toMatchObject({ state: 'failed', reason: 'uninstalled', dueAt: null });
    expect(await store.outbox.get('d2')).toMatchObject({ state: 'sent' });
  });
});

it('sqlite: the database file (and its WAL) holds no token in clear', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-install-'));
  const store = openSqliteStore(join(dir, 'newsdesk.db'), { now: () => NOW });
  try {
    await new SealedSlackInstallations(store.slackInstallations, KEY).store(install(), T);
    const bytes = () => readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString('latin1')).join('');
    expect(bytes()).toContain('T0ALPHA');
    expect(bytes()).not.toContain('xoxb-alpha-secret-token-1');
    await store.close();
    expect(bytes()).toContain('T0ALPHA');
    expect(bytes()).not.toContain('xoxb-alpha-secret-token-1');
    expect(bytes()).not.toContain('xoxe-1-alpha-refresh');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
