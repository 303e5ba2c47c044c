import { afterEach, describe, expect, it } from 'vitest';
import { alerts } from '../../commands/alerts.js';
import type { Invocation } from '../../src/core/command.js';
import { createDispatcher } from '../../src/core/dispatcher.js';
import type { Reply } from '../../src/core/reply.js';
import type { Services } from '../../src/core/services.js';
import type { ChannelRef } from '../../src/domain/channel.js';
import type { ChannelCheck } from '../../src/outbound/port.js';
import { harness, quietLogger, TestClock, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

/**
 * Editor approval (issue 26) through the real core dispatcher, the /alerts command, the alerts pipeline and a real
 * SQLite store, on an injected clock. Expected texts are written out here.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const STORY = { id: 'dam-1', url: 'https://news.example/dam', title: 'Dam fails upstream of the capital', dek: 'Thousands evacuated.', priority: 'breaking' as const, section: 'world' };
const EXPIRY_MS = 30 * 60_000;

/** The bot cannot post in #locked (what the platform says is missing). */
class Port extends RecordingPort {
  override async checkChannel(channel: ChannelRef): Promise<ChannelCheck> {
    if (channel.endsWith(':locked')) return { ok: false, missing: ['Send Messages'], name: 'locked' };
    return super.checkChannel(channel);
  }
}

async function setup() {
  const clock = new TestClock();
  const port = new Port('terminal');
  h = await harness({ clock, ports: [port], approvalExpiryMs: EXPIRY_MS });
  const services = { articles: h.store.articles, ports: h.ports, alerts: h.alerts.service } as unknown as Services;
  const dispatcher = createDispatcher({ commands: [alerts], services, logger: quietLogger, now: h.now });
  const who = (name: string, isAdmin: boolean) => ({ id: `U-${name}`, name, isAdmin });
  const base = (user: { id: string; name: string; isAdmin: boolean }, channel = 'terminal:editors') =>
    ({ platform: 'terminal', user, workspace: '', channel, channelName: channel.slice('terminal:'.length) }) as Omit<Invocation, 'command'>;
  const run = (text: string) => dispatcher.dispatch({ ...base(who('Ada', true), 'terminal:newsroom'), command: 'alerts', text } as Invocation);
  const press = (action: string, name = 'Ada', isAdmin = true) => dispatcher.action(base(who(name, isAdmin)), action);
  const previews = () => port.posts().filter((p) => p.target === 'terminal:editors');
  const button = (reply: Reply, label: string) => reply.buttons?.find((b) => b.label.startsWith(label))?.action ?? '';
  const alertsIn = (channel: string) => port.posts().filter((p) => p.target === channel);
  const lastEdit = () => port.sent.filter((s) => s.op === 'edit').at(-1)!;
  const pass = async () => {
    h!.alerts.dispatcher.wake();
    await new Promise((r) => setTimeout(r, 100));
  };
  const subscribed = async () => {
    expect((await run('subscribe #public approval:#editors')).kind).toBe('answer');
    expect((await run('subscribe #world approval:#editors')).kind).toBe('answer');
  };
  return { clock, port, run, press, previews, button, alertsIn, lastEdit, pass, subscribed };
}

describe('editor approval', () => {
  it('one preview names every channel waiting; an editor approves and the alert goes out with the label chosen', async () => {
    const t = await setup();
    await t.subscribed();
    expect((await t.run('list')).cards.map((c) => c.fields?.[0].value)).toEqual([
      'breaking+ · editors approve each alert in #editors', 'breaking+ · editors approve each alert in #editors',
    ]);
    await h!.store.articles.upsert(STORY);
    await h!.settled(1);
    expect(t.previews()).toHaveLength(1);
    expect(t.alertsIn('terminal:public')).toEqual([]);
    const preview = t.previews()[0].reply;
    expect(preview.text).toBe('Approval needed before this alert goes to #public, #world. It expires at 12:30 if nobody decides. Label: none yet.');
    expect(preview.cards[0].title).toBe('Dam fails upstream of the capital');
    expect(preview.buttons?.map((b) => b.label)).toEqual(['Approve', 'Hold', 'Reject', 'Confirmed', 'Developing', 'Unverified']);
    expect(preview.buttons?.every((b) => b.action.length <= 100)).toBe(true);
    expect((await h!.alerts.service.why({ platform: 'terminal', workspace: '' }, 'terminal:public', 'dam-1'))[0].explanation)
      .toBe('waiting for approval in #editors since 12:00');

    const labelled = await t.press(t.button(preview, 'Confirmed'));
    expect(labelled).toMatchObject({ kind: 'answer', visibility: 'ephemeral', text: 'Labelled confirmed: the preview and every alert of this story already posted show it.' });
    await h!.settled(1);
    expect(t.lastEdit().reply.text).toBe('Approval needed before this alert goes to #public, #world. It expires at 12:30 if nobody decides. Label: confirmed.');

    t.clock.advance(5 * 60_000);
    const approved = await t.press(t.button(preview, 'Approve'));
    expect(approved).toMatchObject({ kind: 'answer', visibility: 'ephemeral', text: 'Approved: “Dam fails upstream of the capital” goes out to #public, #world (confirmed).' });
    const settled = await h!.settled(3);
    expect(settled.map((e) => `${e.delivery.kind}:${e.operation}`).sort()).toEqual(['alert:post', 'alert:post', 'preview:edit']);
    expect(t.alertsIn('terminal:public')).toHaveLength(1);
    expect(t.alertsIn('terminal:world')).toHaveLength(1);
    expect(t.alertsIn('terminal:public')[0].reply.cards[0].badge).toBe('BREAKING · CONFIRMED');
    const edited = t.port.sent.filter((s) => s.op === 'edit' && s.target.startsWith('terminal:editors')).at(-1)!.reply;
    expect(edited.text).toBe('Approved by Ada at 12:05: sent to #public, #world. Label: confirmed.');
    expect(edited.buttons).toBeUndefined();
    expect((await h!.alerts.service.why({ platform: 'terminal', workspace: '' }, 'terminal:public', 'dam-1'))[0].explanation)
      .toMatch(/^approved by Ada at 12:05 \(confirmed\); sent at 12:05$/);

    // A second press: told who decided, nothing sent again.
    expect(await t.press(t.button(preview, 'Approve'), 'Bo')).toMatchObject({ visibility: 'ephemeral', text: 'Already approved by Ada at 12:05. Nothing changed.' });
    expect(await t.press(t.button(preview, 'Reject'), 'Bo')).toMatchObject({ visibility: 'ephemeral', text: 'This approval is closed: approved by Ada at 12:05. Nothing changed.' });
    const actions = (await h!.alerts.service.audit({ platform: 'terminal', workspace: '' }, 10)).map((e) => e.action);
    expect(actions.slice(0, 2)).toEqual(['approval-approved', 'label']);

    // A later label change edits each posted alert once (and the preview), without a new version.
    await t.press(t.button(preview, 'Developing'));
    await h!.settled(3);
    const alertEdits = t.port.sent.filter((s) => s.op === 'edit' && !s.target.startsWith('terminal:editors'));
    expect(alertEdits.map((e) => e.reply.cards[0].badge)).toEqual(['BREAKING · DEVELOPING', 'BREAKING · DEVELOPING']);
    expect((await h!.store.articles.get('dam-1'))?.version).toBe(1);
  });

  it('a reader is refused privately and nothing changes', async () => {
    const t = await setup();
    await t.subscribed();
    await h!.store.articles.upsert(STORY);
    await h!.settled(1);
    const refused = await t.press(t.button(t.previews()[0].reply, 'Approve'), 'Rea', false);
    expect(refused).toMatchObject({ kind: 'error', visibility: 'ephemeral', text: 'Only editors can decide on alerts (server or workspace admins, or the editor role). Nothing changed.' });
    await t.pass();
    expect(t.alertsIn('terminal:public')).toEqual([]);
    expect((await h!.store.outbox.forStoryAll('dam-1')).filter((d) => d.kind === 'alert').map((d) => d.state)).toEqual(['waiting', 'waiting']);
    expect(await h!.store.stories.approval('dam-1', 'terminal:editors')).toBeNull();
  });

  it('rejection skips the waiting alerts and says so on the preview', async () => {
    const t = await setup();
    await t.subscribed();
    await h!.store.articles.upsert(STORY);
    await h!.settled(1);
    expect((await t.press(t.button(t.previews()[0].reply, 'Reject'))).text).toBe('Rejected: nothing is sent to #public, #world.');
    await h!.settled(1);
    expect(t.lastEdit().reply.text).toBe('Rejected by Ada: not sent. Label: none yet.');
    expect((await h!.store.outbox.forStoryAll('dam-1')).filter((d) => d.kind === 'alert').map((d) => [d.state, d.reason])).toEqual([
      ['skipped', 'rejected by Ada'], ['skipped', 'rejected by Ada'],
    ]);
    await t.pass();
    expect(t.alertsIn('terminal:public')).toEqual([]);
  });

  it('expiry: driven by the preview row’s due time on the injected clock; a press after it is told', async () => {
    const t = await setup();
    await t.subscribed();
    await h!.store.articles.upsert(STORY);
    await h!.settled(1);
    expect(await h!.store.outbox.nextDueAt(['terminal'], t.clock.ms)).toBe(t.clock.ms + EXPIRY_MS);
    t.clock.advance(EXPIRY_MS - 1);
    await t.pass();
    expect(await h!.store.stories.approval('dam-1', 'terminal:editors')).toBeNull();
    t.clock.advance(1);
    h!.alerts.dispatcher.wake();
    await h!.settled(1);
    expect(t.lastEdit().reply.text).toBe('Expired, not sent (nobody decided by 12:30). Label: none yet.');
    expect(t.lastEdit().reply.buttons).toBeUndefined();
    expect((await h!.store.outbox.forStoryAll('dam-1')).filter((d) => d.kind === 'alert').map((d) => d.state)).toEqual(['skipped', 'skipped']);
    expect((await t.press(t.button(t.previews()[0].reply, 'Approve'))).text).toBe('This approval is closed: it expired at 12:30, not sent. Nothing changed.');
    expect((await h!.alerts.service.audit({ platform: 'terminal', workspace: '' }, 1))[0]).toMatchObject({ action: 'approval-expired', actorName: 'Newsdesk' });
  });

  it('hold: the preview no longer expires; approve still works after the expiry time', async () => {
    const t = await setup();
    await t.subscribed();
    await h!.store.articles.upsert(STORY);
    await h!.settled(1);
    const preview = t.previews()[0].reply;
    expect((await t.press(t.button(preview, 'Hold'), 'Bo')).text).toBe('Held: the preview stays open and no longer expires; Approve or Reject when ready.');
    await h!.settled(1);
    expect(t.lastEdit().reply.text).toBe('Held by Bo at 12:00: #public, #world wait for Approve or Reject (no expiry). Label: none yet.');
    expect(t.lastEdit().reply.buttons?.map((b) => b.label)).toEqual(['Approve', 'Reject', 'Confirmed', 'Developing', 'Unverified']);
    t.clock.advance(2 * EXPIRY_MS);
    await t.pass();
    expect((await h!.store.stories.approval('dam-1', 'terminal:editors'))?.outcome).toBe('held');
    expect(await h!.store.outbox.nextDueAt(['terminal'], 0)).toBeNull();
    expect((await t.press(t.button(preview, 'Approve'))).text).toMatch(/^Approved: /);
    await h!.settled(3);
    expect(t.alertsIn('terminal:world')).toHaveLength(1);
  });

  it('a new version while waiting edits the preview; the approved alert shows it; a retraction while waiting closes it', async () => {
    const t = await setup();
    await t.subscribed();
    await h!.store.articles.upsert(STORY);
    await h!.settled(1);
    await h!.store.articles.upsert({ ...STORY, title: 'Dam fails: 3,000 evacuated' });
    await h!.settled(1);
    expect(t.lastEdit().reply.cards[0].title).toBe('Dam fails: 3,000 evacuated');
    await t.press(t.button(t.previews()[0].reply, 'Approve'));
    await h!.settled(3);
    expect(t.alertsIn('terminal:public')[0].reply.cards[0].title).toBe('Dam fails: 3,000 evacuated');

    await h!.store.articles.upsert({ id: 'fire-2', title: 'Warehouse fire in the port district', dek: 'Smoke over the docks.', priority: 'breaking', section: 'world' });
    await h!.settled(1);
    await h!.store.articles.upsert({ id: 'fire-2', title: 'Warehouse fire in the port district', dek: 'Smoke over the docks.', priority: 'breaking', section: 'world', status: 'retracted' });
    await h!.settled(1);
    expect(t.lastEdit().reply.text).toBe('Retracted: nothing to approve. Label: none yet.');
    expect((await h!.store.outbox.forStoryAll('fire-2')).filter((d) => d.kind === 'alert').map((d) => [d.state, d.reason])).toEqual([
      ['skipped', 'retracted before approval'], ['skipped', 'retracted before approval'],
    ]);
  });

  it('a kill while waiting closes the preview (nothing to approve) and skips the waiting alerts', async () => {
    const t = await setup();
    await t.subscribed();
    await h!.store.articles.upsert(STORY);
    await h!.settled(1);
    await h!.store.articles.upsert({ ...STORY, status: 'killed' });
    await h!.settled(1);
    expect(t.lastEdit().reply.text).toBe('Retracted: nothing to approve. Label: none yet.');
    expect(t.lastEdit().reply.buttons).toBeUndefined();
    expect((await h!.store.outbox.forStoryAll('dam-1')).filter((d) => d.kind === 'alert').map((d) => d.state)).toEqual(['skipped', 'skipped']);
    expect((await t.press(t.button(t.previews()[0].reply, 'Approve'))).text).toBe('This approval is closed: the story was retracted, nothing to approve. Nothing changed.');
    await t.pass();
    expect(t.alertsIn('terminal:public')).toEqual([]);
  });

  it('bad input: the subscribed channel itself, a channel the bot cannot post in, an unknown preview; nothing is written', async () => {
    const t = await setup();
    expect(await t.run('subscribe #public approval:#public')).toMatchObject({ kind: 'error', text: 'approval: must be another channel than the one the alerts go to (editors approve there, readers read here).' });
    expect(await t.run('subscribe #public approval:discord:G9/C1')).toMatchObject({ kind: 'error', text: 'approval: expected a channel of this server, like #breaking.' });
    expect(await t.run('subscribe #public approval:#locked')).toMatchObject({ kind: 'error', text: 'approval: I cannot post in #locked: missing Send Messages. Fix that and run /alerts subscribe again.' });
    expect(await h!.alerts.service.list({ platform: 'terminal', workspace: '' })).toEqual([]);
    expect(await t.press('alerts:approve:AAAAAAAAAAAA')).toMatchObject({ kind: 'error', text: 'This approval is closed: the story is no longer waiting. Nothing changed.' });
    expect(await t.press('alerts:label:AAAAAAAAAAAA:probable')).toMatchObject({ kind: 'error' });
    expect(await h!.alerts.service.audit({ platform: 'terminal', workspace: '' }, 5)).toEqual([]);
  });
});
