import { describe, expect, it } from 'vitest';
import { portOf, startNewsdesk, tempDataDir, untilOutput as until, type Running } from '../helpers/process.js';
import { pushArticles } from '../alerts/e2e/process.js';

/**
 * Newsroom controls I, the embargo, in the real process on SQLite through the terminal: a story pushed under embargo is
 * invisible to a reader (/news, /summary by id, by link, by words) while admins' /alerts why says when it goes out; the
 * process is killed (SIGKILL) before the lift and started again after it: the new process lifts it from the store and
 * posts exactly one alert, and readers see the story at once (no stale cache).
 */
const TOKEN = 'embargo-e2e-ingest-token-0123456789';
const HEADLINE = 'Quillon dam report finds cracks in the spillway';

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('an embargoed push, across a SIGKILL before its lift', () => {
  it('is invisible until the lift, then alerts once from the restarted process and shows to readers', async () => {
    const dataDir = tempDataDir();
    const env = { DATA_DIR: dataDir, TIMEZONE: 'UTC', PORT: '0', HOST: '127.0.0.1', INGEST_TOKEN: TOKEN, LOG_LEVEL: 'info' };
    const first = startNewsdesk(env);
    let second: Running | undefined;
    try {
      const port = await until(() => portOf(first.stderr()), 'the HTTP port', first);
      first.child.stdin.write(':as admin\n/alerts subscribe min_priority:routine\n');
      await until(() => /\/alerts quiet|Subscribed|subscribed/.test(first.stdout()), 'the subscription', first);

      const lift = Date.now() + 15_000;
      const liftIso = new Date(Math.ceil(lift / 1000) * 1000).toISOString();
      const pushed = await pushArticles(port, TOKEN, {
        id: 'emb-e2e', title: HEADLINE, body: 'Engineers found cracks in the spillway of the Quillon dam.', priority: 'breaking',
        section: 'world', url: 'https://news.example/2026/quillon-dam-report', embargo_until: liftIso,
      });
      expect(pushed).toMatchObject({ status: 201, body: { results: [{ id: 'emb-e2e', outcome: 'created' }] } });

      // A reader: /news (latest and search), /summary by id, link and words. An admin: /alerts why.
      first.child.stdin.write(':as reader\n/news\n/news quillon spillway\n/summary emb-e2e\n/summary https://news.example/2026/quillon-dam-report\n/summary quillon dam cracks\n');
      first.child.stdin.write(':as admin\n/alerts why emb-e2e\n');
      await until(() => /embargoed until/.test(first.stdout()), '/alerts why', first);
      expect(first.stdout()).toMatch(new RegExp(`embargoed until \\d\\d:\\d\\d(:\\d\\d)? \\(UTC\\); alerts go out then`));
      const readerSaw = first.stdout().split('You are now admin (admin).').slice(0, -1).join('');
      expect(readerSaw).toMatch(/No stories found for “quillon spillway”/);
      expect(readerSaw).toMatch(/No article matches “emb-e2e”/);
      expect(readerSaw).toMatch(/No stored article has that link/);
      expect(readerSaw).toMatch(/No article matches “quillon dam cracks”/);
      expect(readerSaw).not.toContain(HEADLINE);
      expect(first.stdout()).not.toMatch(/🔔 Alert/);

      first.child.kill('SIGKILL');
      await first.exited;
      // Start again only after the lift time has passed: the lift must come from the store, not a forgotten timer.
      while (Date.now() < Date.parse(liftIso) + 1_000) await new Promise((r) => setTimeout(r, 200));

      second = startNewsdesk(env);
      const app = second;
      await until(() => app.stdout().includes(HEADLINE) && /🔔 Alert/.test(app.stdout()), 'the alert after the lift', app);
      app.child.stdin.write(':as reader\n/news quillon spillway\n');
      await until(() => count(app.stdout(), HEADLINE) >= 2, 'the story in /news', app);
      // Give a duplicate a chance to show, then count: one alert.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(count(app.stdout(), '🔔 Alert')).toBe(1);
    } finally {
      for (const app of [first, second]) {
        if (!app || app.child.exitCode !== null || app.child.signalCode !== null) continue;
        app.child.stdin.end();
        app.child.kill('SIGTERM');
        await app.exited;
      }
    }
  }, 120_000);
});
