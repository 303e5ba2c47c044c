import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordStandIn, type DiscordStandIn } from '../standins/discord/index.js';
import { startSlackStandIn, type SlackStandIn } from '../standins/slack/index.js';
import { emptyDataDir, pushArticles, startNewsdeskProcess, until, type NewsdeskProcess } from '../alerts/e2e/process.js';

/**
 * Issue 24: /metrics on its own port (METRICS_PORT), scraped over loopback from the real process after a fan-out
 * through both stand-ins, one post refused by Slack with a 429. The counts are the ones this test caused; no label
 * value carries article text, a user id, a channel id or a token.
 */
const INGEST_TOKEN = 'metrics-e2e-ingest-token-0123456789';
const ARTICLE = {
  id: 'met-77', url: 'https://news.example/2026/12/02/quarry', section: 'world', source: 'Newsdesk CMS',
  title: 'Quarry collapse traps miners near Valdoria', dek: 'Rescuers reached the shaft at noon.',
  body: 'A quarry wall collapsed near Valdoria on Tuesday. Rescuers reached the shaft at noon.',
  priority: 'breaking', published_at: '2026-12-02T10:00:00Z',
};

/** `name{labels} value` lines of a Prometheus text exposition → { 'name{labels}': value } (no HELP/TYPE). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Every label value in the exposition. */
function labelValues(text: string): string[] {
  return [...text.matchAll(/[a-z_]+="((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
}

describe('/metrics after a fan-out through the stand-ins', () => {
  let discord: DiscordStandIn;
  let slack: SlackStandIn;
  let proc: NewsdeskProcess;
  let metricsPort: number;
  const slackChannel = 'C0NEWSROOM';

  beforeAll(async () => {
    // Heartbeats every second (Discord's is ~41 s), so the gateway round trip is measured within the test.
    discord = await startDiscordStandIn({ heartbeatIntervalMs: 1_000 });
    slack = await startSlackStandIn();
    proc = await startNewsdeskProcess({
      DATA_DIR: emptyDataDir(), INGEST_TOKEN, METRICS_PORT: '0',
      DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: discord.appId, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: discord.guilds[0].id,
      SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl,
    });
    slack.appUrl = `http://127.0.0.1:${proc.port}/slack/events`;
    metricsPort = await until(() => {
      const line = proc.stderr().split('\n').find((l) => l.includes('metrics listening'));
      return line ? (JSON.parse(line) as { port: number; host: string }).port : undefined;
    }, 'the metrics port');
  }, 60_000);

  afterAll(async () => {
    await proc?.stop();
    await discord?.close();
    await slack?.close();
  });

  it('counts the posts per platform, the one 429, the outbox states, the commands and the push; labels are bounded and free of text', async () => {
    const guild = discord.guilds[0];
    const discordChannel = guild.channel('breaking').id;
    await discord.waitFor(() => discord.commands.get(guild.id)?.some((c) => c.name === 'alerts'), 20_000);
    discord.sendCommand({ name: 'alerts', subcommand: 'subscribe', options: { channel: discordChannel, min_priority: 'breaking' }, user: { admin: true } });
    expect((await slack.slashCommand({ command: '/alerts', text: 'subscribe min_priority:breaking', user: 'U0ADMIN', channel: slackChannel, via: 'http' })).status).toBe(200);
    const scrape = async () => {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return res.text();
    };
    await until(async () => {
      const m = samples(await scrape());
      return m.get('newsdesk_commands_total{command="alerts",platform="discord",outcome="answer"}') === 1 &&
        m.get('newsdesk_commands_total{command="alerts",platform="slack",outcome="answer"}') === 1;
    }, 'both subscriptions answered', 20_000);

    // Slack refuses the first post once with a 429 (Retry-After 1 s); the dispatcher posts again after it.
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    expect((await pushArticles(proc.port, INGEST_TOKEN, ARTICLE)).status).toBe(201);
    const team = `slack:${slack.teams[0].id}`; // the sender bucket: one Slack workspace
    let last = '';
    const text = await until(async () => {
      const t = (last = await scrape());
      const m = samples(t);
      return m.get(`newsdesk_outbound_calls_total{platform="slack",bucket="${team}",operation="post",outcome="ok"}`) === 1 &&
        m.get('newsdesk_outbound_calls_total{platform="discord",bucket="discord",operation="post",outcome="ok"}') === 1 &&
        m.get('newsdesk_outbox_rows{state="sent",platform="slack"}') === 1 && m.get('newsdesk_outbox_rows{state="sent",platform="discord"}') === 1 && t;
    }, 'both posts counted', 30_000).catch((err: Error) => {
      throw new Error(`${err.message}; newsdesk metrics:\n${last.split('\n').filter((l) => l.startsWith('newsdesk_')).join('\n')}`);
    });
    const m = samples(text);

    expect(m.get(`newsdesk_outbound_calls_total{platform="slack",bucket="${team}",operation="post",outcome="rate_limited"}`)).toBe(1);
    expect(m.get(`newsdesk_outbound_rate_limited_total{platform="slack",bucket="${team}"}`)).toBe(1);
    expect(m.get(`newsdesk_outbound_retries_total{platform="slack",bucket="${team}"}`)).toBe(1);
    expect(m.has('newsdesk_outbound_rate_limited_total{platform="discord",bucket="discord"}')).toBe(false);
    expect(m.get('newsdesk_articles_ingested_total{origin="push",outcome="created"}')).toBe(1);
    // Push → first post, once per platform (the Slack one after its 429 and retry: at least the 1 s Retry-After).
    const firstPosts = await until(async () => {
      const now = samples(await scrape());
      return now.get('newsdesk_ingest_to_first_post_seconds_count{origin="push",platform="discord"}') === 1 &&
        now.get('newsdesk_ingest_to_first_post_seconds_count{origin="push",platform="slack"}') === 1 && now;
    }, 'the push → first post times', 10_000);
    expect(firstPosts.get('newsdesk_ingest_to_first_post_seconds_sum{origin="push",platform="slack"}')).toBeGreaterThanOrEqual(1);
    expect(firstPosts.get('newsdesk_ingest_to_first_post_seconds_bucket{le="0.5",origin="push",platform="slack"}')).toBe(0);
    const ours = text.split('\n').filter((l) => l.startsWith('newsdesk_outbox') || l.startsWith('newsdesk_draining')).join('\n');
    expect(ours).toMatch(/^newsdesk_outbox_due\{platform="slack"\} \d+$/m);
    expect(m.get('newsdesk_draining'), ours).toBe(0);
    // Discord's gateway round trip, per shard (one shard here: 0).
    const { ping } = await until(async () => {
      const v = samples(await scrape()).get('newsdesk_discord_gateway_ping_seconds{shard="0"}');
      return v === undefined ? undefined : { ping: v }; // 0 (a sub-millisecond round trip) is a value too
    }, 'the shard ping', 15_000);
    expect(ping).toBeGreaterThanOrEqual(0);
    expect(ping).toBeLessThan(5);
    expect(m.get('newsdesk_command_duration_seconds_count{command="alerts",platform="slack"}')).toBe(1);
    // Default process metrics (prom-client): event-loop lag, heap, GC.
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    expect(text).toMatch(/^# TYPE nodejs_gc_duration_seconds histogram/m);

    // Labels: no article text, no user or channel ids, no tokens.
    const words = new Set(`${ARTICLE.title} ${ARTICLE.dek} ${ARTICLE.body}`.toLowerCase().split(/\W+/).filter((w) => w.length > 3));
    for (const value of labelValues(text)) {
      for (const word of value.toLowerCase().split(/\W+/)) expect(words.has(word), `label value ${value}`).toBe(false);
      for (const secret of ['U0ADMIN', slackChannel, discordChannel, slack.botToken, discord.token, INGEST_TOKEN, ARTICLE.id, ARTICLE.url]) {
        expect(value, `label value ${value}`).not.toContain(secret);
      }
    }
  }, 90_000);

  it('serves only /metrics, on loopback', async () => {
    expect((await fetch(`http://127.0.0.1:${metricsPort}/`)).status).toBe(404);
    expect(proc.stderr()).toMatch(/"host":"127\.0\.0\.1","msg":"metrics listening/);
  });
});
