import { afterEach, describe, expect, it } from 'vitest';
import { alerts } from '../../commands/alerts.js';
import type { Invocation } from '../../src/core/command.js';
import { createDispatcher } from '../../src/core/dispatcher.js';
import type { Reply } from '../../src/core/reply.js';
import type { Services } from '../../src/core/services.js';
import { Permanent } from '../../src/outbound/port.js';
import { harness, quietLogger, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const here = { platform: 'terminal' as const, workspace: '' };

async function setup(realTime = true) {
  const port = new RecordingPort('terminal');
  h = await harness({ ports: [port], realTime });
  const services = { articles: h.store.articles, ports: h.ports, alerts: h.alerts.service } as unknown as Services;
  const dispatcher = createDispatcher({ commands: [alerts], services, logger: quietLogger, now: h.now, autocompleteSources: h.alerts.autocompleteSources });
  const run = (text: string, user = { id: 'U1', name: 'Ada', isAdmin: true }): Promise<Reply> =>
    dispatcher.dispatch({ platform: 'terminal', command: 'alerts', text, user, workspace: '', channel: 'terminal:newsroom' } as Invocation);
  /** What reached a channel, one text per post. */
  const postedTo = (channel: string) => port.posts().filter((p) => p.target === channel).map((p) => p.reply.text ?? p.reply.cards[0]?.title);
  return { port, run, postedTo };
}

describe('/alerts ops: trouble is said where admins work', () => {
  it('names the channel, shows it in /alerts list, audits it, and turns off', async () => {
    const { run } = await setup();
    expect((await run('ops #newsroom-ops')).text).toBe(
      'Operations notices go to #newsroom-ops: a paused subscription, a failing feed or a refused token is said there once, and again when it is fixed.',
    );
    expect((await run('list')).text).toBe('No alert subscriptions yet. Start one with /alerts subscribe #channel.\nOperations notices: #newsroom-ops (set by Ada).');
    expect((await run('ops off')).text).toBe('Operations notices are off: trouble shows only in /alerts list. /alerts ops #channel turns them on.');
    expect((await run('list')).text).toBe(
      'No alert subscriptions yet. Start one with /alerts subscribe #channel.\nOperations notices: none (/alerts ops #channel names where trouble is said).',
    );
    expect((await h!.alerts.service.audit(here, 5)).map((e) => [e.action, e.actorName])).toEqual([['ops-off', 'Ada'], ['ops', 'Ada']]);
  });

  it('is for admins only', async () => {
    const { run } = await setup();
    expect(await run('ops #ops', { id: 'U2', name: 'Bo', isAdmin: false })).toMatchObject({ kind: 'error', text: 'Only admins can use /alerts. On the terminal, type :as admin to act as one.' });
    expect(await h!.store.ops.channel(here)).toBeNull();
  });

  it('refuses a channel the bot cannot post in, saying what is missing', async () => {
    const { run, port } = await setup();
    port.missing = ['Send Messages'];
    expect((await run('ops #locked')).text).toBe('I cannot post in #locked: missing Send Messages. Fix that and run /alerts ops again.');
    expect(await h!.store.ops.channel(here)).toBeNull();
  });

  it('a subscription paused for a refused channel posts exactly one notice; resuming posts one recovery', async () => {
    const { run, port, postedTo } = await setup();
    await run('ops #ops');
    const sub = await h!.subscribe({ channel: 'terminal:desk' });
    port.failNext('post', new Permanent('missing_access', 'Missing Access', 'channel'));
    await h!.store.articles.upsert({ id: 'a1', title: 'Ferry runs aground', priority: 'breaking' });
    await h!.settled(2);
    // A second story for the paused subscription is skipped, and says nothing more.
    await h!.store.articles.upsert({ id: 'a2', title: 'Bridge closed after crash', priority: 'breaking' });
    await new Promise((r) => setTimeout(r, 100));
    expect(postedTo('terminal:ops')).toEqual([
      `⚠️ Alerts to #desk (${sub.id}) are paused: terminal: Missing Access (missing_access). Fix that, then /alerts resume ${sub.id}.`,
    ]);
    expect((await run('list')).text).toBe(
      `1 alert subscription:\nOperations notices: #ops (set by Ada). Open: ⚠️ Alerts to #desk (${sub.id}) are paused: terminal: Missing Access (missing_access). Fix that, then /alerts resume ${sub.id}.`,
    );

    await run(`resume ${sub.id}`);
    await h!.settled(1);
    // A second resume (nothing was open any more) says nothing.
    await run(`pause ${sub.id}`);
    await run(`resume ${sub.id}`);
    await new Promise((r) => setTimeout(r, 100));
    expect(postedTo('terminal:ops')).toEqual([
      `⚠️ Alerts to #desk (${sub.id}) are paused: terminal: Missing Access (missing_access). Fix that, then /alerts resume ${sub.id}.`,
      `✅ Alerts to #desk (${sub.id}) flow again (resumed by Ada).`,
    ]);
    expect(postedTo('terminal:desk')).toEqual([]);
  });

  it('one notice per cause and day: paused again the same day, nothing more is posted; the next day, it is', async () => {
    const { run, postedTo } = await setup(false);
    await run('ops #ops');
    const sub = await h!.subscribe({ channel: 'terminal:desk' });
    const notices = h!.alerts.notices;
    const cause = `sub:${sub.id}`;
    expect(await notices.problem(here, cause, 'first')).toBe(true);
    expect(await notices.recovered(here, cause, 'fixed')).toBe(true);
    expect(await notices.problem(here, cause, 'again, same day')).toBe(true);
    await h!.settled(2);
    await new Promise((r) => setTimeout(r, 100));
    expect(postedTo('terminal:ops')).toEqual(['first', 'fixed']);
    expect(await h!.store.ops.problems(here)).toEqual([{ cause, detail: 'again, same day', openedAt: h!.clock.ms }]);
    // The next day (TIMEZONE's), the same cause is said again.
    expect(await notices.recovered(here, cause, 'fixed again')).toBe(true);
    h!.clock.advance(24 * 3600_000);
    expect(await notices.problem(here, cause, 'next day')).toBe(true);
    await h!.settled(1);
    expect(postedTo('terminal:ops')).toEqual(['first', 'fixed', 'next day']);
  });

  it('a platform refusing the bot itself posts one notice to each operations channel, and one when it takes posts again', async () => {
    const { run, port, postedTo } = await setup(false);
    await run('ops #ops');
    await h!.subscribe({ channel: 'terminal:a' });
    port.failNext('post', new Permanent('token_revoked', 'the bot token was revoked', 'bot'));
    await h!.store.articles.upsert({ id: 'a1', title: 'Ferry runs aground', priority: 'breaking' });
    // The notice itself waits behind the same refusal; the hold is 5 minutes, on the test's clock.
    for (let i = 0; i < 100 && !(await h!.store.ops.problems(here)).length; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await h!.store.ops.problems(here)).map((p) => p.cause)).toEqual(['platform:terminal']);
    // /alerts why says the platform holds it, not a channel rate limit.
    expect((await h!.alerts.service.why(here, 'terminal:a', 'a1')).map((l) => l.explanation)).toEqual([
      'queued: every terminal alert is held because the platform refused the bot itself (terminal: the bot token was revoked (token_revoked)); it goes out once that is fixed',
    ]);
    h!.clock.advance(5 * 60_000 + 1);
    h!.alerts.dispatcher.wake();
    for (let i = 0; i < 200 && postedTo('terminal:ops').length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(postedTo('terminal:ops')).toEqual([
      '⚠️ terminal refused the bot itself: terminal: the bot token was revoked (token_revoked). Every terminal alert is held until that is fixed.',
      "✅ terminal takes Newsdesk's posts again; held alerts are going out.",
    ]);
    expect(postedTo('terminal:a')).toEqual(['Ferry runs aground']);
  });
});
