import { afterEach, describe, expect, it } from 'vitest';
import { alerts } from '../../commands/alerts.js';
import type { Invocation } from '../../src/core/command.js';
import { createDispatcher } from '../../src/core/dispatcher.js';
import type { Reply } from '../../src/core/reply.js';
import type { Services } from '../../src/core/services.js';
import { harness, quietLogger, type Harness } from './harness.js';
import { RecordingPort } from './ports.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setup(feeds: object[] = [{ name: 'Wire A', url: 'https://a.example/rss', ok: false, lastError: '503 from origin', nested: { x: 1 } }]) {
  const port = new RecordingPort('terminal');
  h = await harness({ ports: [port], realTime: true });
  const services = {
    articles: h.store.articles, ports: h.ports, alerts: h.alerts.service,
    feeds: { health: () => feeds },
  } as unknown as Services;
  const dispatcher = createDispatcher({ commands: [alerts], services, logger: quietLogger, now: h.now, autocompleteSources: h.alerts.autocompleteSources });
  const run = (text: string, isAdmin = true, channel = 'terminal:newsroom'): Promise<Reply> =>
    dispatcher.dispatch({ platform: 'terminal', command: 'alerts', text, user: { id: 'U1', name: 'Ada', isAdmin }, workspace: '', channel } as Invocation);
  const said = (r: Reply) => [r.text ?? '', ...r.cards.flatMap((c) => [c.title ?? '', c.text ?? '', ...(c.fields ?? []).map((f) => `${f.name}: ${f.value}`)])].join('\n');
  return { port, dispatcher, run, said };
}

describe('/alerts through the real dispatcher', () => {
  it('refuses non-admins before doing anything', async () => {
    const { run } = await setup();
    const reply = await run('subscribe', false);
    expect(reply).toMatchObject({ kind: 'error', text: 'Only admins can use /alerts. On the terminal, type :as admin to act as one.' });
    expect(await h!.alerts.service.list({ platform: 'terminal', workspace: '' })).toEqual([]);
  });

  it('subscribes, lists with who and health, pauses, resumes, sets quiet hours and removes', async () => {
    const { run, said } = await setup();
    const sub = await run('subscribe #desk min_priority:urgent sections:World,Politics keywords:modi threads:yes');
    expect(sub.kind).toBe('answer');
    const id = /id (\w+)/.exec(sub.text!)![1];
    const list = said(await run('list'));
    expect(list).toContain(`${id} → #desk`);
    expect(list).toContain('urgent+ · sections: world, politics · keywords: modi · updates in threads');
    expect(list).toMatch(/by Ada just now/);
    expect(list).toContain('last alert never · 0 sent · 0 failed');
    expect(said(await run(`pause ${id}`))).toContain(`Paused ${id}`);
    expect(said(await run('list'))).toContain('PAUSED: paused by Ada');
    expect(said(await run(`resume ${id}`))).toContain(`Resumed ${id}`);
    expect(said(await run(`quiet ${id} from:22:00 to:7:00 tz:Europe/London`))).toContain('Quiet hours for');
    expect(said(await run('list'))).toContain('quiet 22:00–07:00 Europe/London');
    expect((await run(`quiet ${id} from:22:00 to:07:00 tz:Mars/Olympus`)).text).toMatch(/Unknown time zone "Mars\/Olympus"/);
    expect((await run(`quiet ${id} from:25:00 to:07:00`)).text).toMatch(/Option from is not valid/);
    expect(said(await run(`quiet ${id} off`))).toContain('Quiet hours off');
    expect(said(await run(`remove ${id}`))).toContain(`Removed ${id}`);
    expect((await run(`pause ${id}`)).text).toContain(`No subscription "${id}" here`);
    const actions = (await h!.alerts.service.audit({ platform: 'terminal', workspace: '' }, 20)).map((e) => e.action);
    expect(actions).toEqual(['remove', 'quiet-off', 'quiet', 'resume', 'pause', 'subscribe']);
  });

  it('says what is missing when the bot cannot post in the channel', async () => {
    const { run, port } = await setup();
    port.missing = ['Send Messages', 'Embed Links'];
    expect((await run('subscribe #desk')).text).toBe('I cannot post in #desk: missing Send Messages, Embed Links. Fix that and run /alerts subscribe again.');
  });

  it('says a refusal that is no missing permission as its own sentence, not in the "missing …" template', async () => {
    const { run, port } = await setup();
    port.problem = 'Newsdesk is not in this server; invite the bot (npm run discord:invite gives the link)';
    expect((await run('subscribe #desk')).text).toBe(
      'I cannot post in that channel: Newsdesk is not in this server; invite the bot (npm run discord:invite gives the link). Fix that and run /alerts subscribe again.',
    );
  });

  it('refuses @everyone as a mention', async () => {
    const { run } = await setup();
    expect((await run('subscribe #desk mention:@everyone')).text).toMatch(/never ping everyone/);
  });

  it('posts a TEST alert through the outbox and reports the outcome', async () => {
    const { run, port } = await setup();
    const id = /id (\w+)/.exec((await run('subscribe #desk')).text!)![1];
    expect((await run(`test ${id}`)).text).toBe(`TEST alert posted for ${id}.`);
    expect(port.posts()[0].reply.cards[0].badge).toBe('TEST · BREAKING');
    expect(port.posts()[0].target).toBe('terminal:desk');
  });

  it('explains why an article was or was not delivered, per subscription of this channel', async () => {
    const { run, said } = await setup();
    await run('subscribe min_priority:breaking', true, 'terminal:desk');
    await run('subscribe sections:sport', true, 'terminal:desk');
    await h!.store.articles.upsert({ id: 'quake', title: 'Earthquake strikes the capital', priority: 'breaking', section: 'world' });
    await h!.settled(1);
    const why = said(await run('why quake', true, 'terminal:desk'));
    expect(why).toMatch(/✓ \w+ · #desk: sent at \d\d:\d\d/);
    expect(why).toMatch(/✗ \w+ · #desk: not delivered: section "world" is not one of sport/);
    expect((await run('why nothing-like-this', true, 'terminal:desk')).kind).toBe('error');
  });

  it('offers subscriptions for autocomplete and shows feed health', async () => {
    const { run, dispatcher, said } = await setup();
    const id = /id (\w+)/.exec((await run('subscribe #desk')).text!)![1];
    const choices = await dispatcher.autocomplete(
      { platform: 'terminal', command: 'alerts', subcommand: 'pause', user: { id: 'U1', name: 'Ada', isAdmin: true }, workspace: '', channel: 'terminal:newsroom' },
      'id', '',
    );
    expect(choices).toEqual([{ name: `${id} · #desk · breaking+`, value: id }]);
    expect(said(await run('sources'))).toContain('Wire A: https://a.example/rss · ok: false · last error: 503 from origin');
  });

  it('after /alerts test, /alerts list shows the test went out (tests are not counted as alerts sent)', async () => {
    const { run, said } = await setup();
    const id = /id (\w+)/.exec((await run('subscribe #desk')).text!)![1];
    expect((await run(`test ${id}`)).text).toBe(`TEST alert posted for ${id}.`);
    expect(said(await run('list'))).toContain('Health: last alert never · 0 sent · 0 failed · last test just now');
  });

  it('/alerts sources says the poller\'s figures in words (no "consecutiveFailures: 0")', async () => {
    const feeds: object[] = [];
    const { run, said } = await setup(feeds);
    const now = h!.now().getTime();
    feeds.push(
      { name: 'Calm', url: 'https://calm.example/rss', status: 'ok', lastSuccess: new Date(now - 5 * 60_000).toISOString(), consecutiveFailures: 0, lastError: null, nextPoll: new Date(now + 10 * 60_000 + 5_000).toISOString() },
      { name: 'Wire', url: 'https://wire.example/rss', status: 'failing', lastSuccess: null, consecutiveFailures: 3, lastError: 'HTTP 503', nextPoll: null },
    );
    const text = said(await run('sources'));
    expect(text).toContain('Calm: https://calm.example/rss · ok · last success 5m ago · next poll in 10 min');
    expect(text).toContain('Wire: https://wire.example/rss · failing · 3 failures in a row · last error: HTTP 503');
    expect(text).not.toContain('consecutiveFailures');
  });

  it('/alerts sources pages through every feed: a More button and page:, never a dead "and N more"', async () => {
    const feeds = Array.from({ length: 35 }, (_, i) => ({ name: `Feed ${String(i + 1).padStart(2, '0')}`, url: `https://f${i + 1}.example/rss`, ok: true }));
    const { run, dispatcher, said } = await setup(feeds);
    const seen = new Set<string>();
    let reply = await run('sources');
    for (let pages = 0; pages < 10; pages++) {
      for (const name of said(reply).match(/Feed \d\d/g) ?? []) seen.add(name);
      const more = reply.buttons?.find((b) => b.label === 'More');
      if (!more) break;
      reply = await dispatcher.action({ platform: 'terminal', user: { id: 'U1', name: 'Ada', isAdmin: true }, workspace: '', channel: 'terminal:newsroom' } as never, more.action);
    }
    expect(seen.size).toBe(35);
    expect(said(await run('sources page:3'))).toContain('Feed 35');
    expect(said(await run('sources page:3'))).not.toContain('more');
  });

  it('/alerts list pages through 25 subscriptions and 2 briefings: every id, each page one message on every platform', async () => {
    const { run, dispatcher, said } = await setup();
    const ids: string[] = [];
    for (let i = 1; i <= 25; i++) ids.push(/id (\w+)/.exec((await run(`subscribe #desk-${i} sections:world,politics keywords:flood`)).text!)![1]);
    for (const at of ['07:30', '18:00']) ids.push(/id (\w+)/.exec((await run(`briefing #morning at:${at} tz:Europe/London`)).text!)![1]);
    const first = await run('list');
    expect(first.text).toMatch(/^25 alert subscriptions and 2 briefings, 1–\d+ here \(page 1 of \d+: More, or \/alerts list page:2\):/);
    const seen: string[] = [];
    let reply = first;
    for (let pages = 0; pages < 10; pages++) {
      // One message on every platform: Discord's 10 embeds, and a page's card text far under its 6,000 characters.
      expect(reply.cards.length).toBeLessThanOrEqual(9);
      expect(said(reply).length).toBeLessThan(5_000);
      seen.push(...reply.cards.map((c) => c.title!.split(' → ')[0]));
      const more = reply.buttons?.find((b) => b.label === 'More');
      if (!more) break;
      reply = await dispatcher.action({ platform: 'terminal', user: { id: 'U1', name: 'Ada', isAdmin: true }, workspace: '', channel: 'terminal:newsroom' } as never, more.action);
      expect(reply.buttons?.map((b) => b.label)[0]).toBe('Previous');
    }
    // Every one once, in the order the list gives them (one page follows another).
    expect(seen).toHaveLength(27);
    expect([...seen].sort()).toEqual([...ids].sort());
    const last = Number(/page (\d+) of (\d+)/.exec(reply.text!)![2]);
    expect(said(await run(`list page:${last}`))).toContain(`${seen[26]} → #`);
    expect((await run(`list page:${last + 1}`)).text).toBe(`There are only ${last} pages of subscriptions (25 alert subscriptions and 2 briefings).`);
    const refused = await dispatcher.action({ platform: 'terminal', user: { id: 'U2', name: 'Bo', isAdmin: false }, workspace: '', channel: 'terminal:newsroom' } as never, 'alerts:list:2');
    expect(refused.kind).toBe('error');
  });
});
