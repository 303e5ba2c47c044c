import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { portOf, startNewsdesk, tempDataDir, untilOutput } from '../helpers/process.js';
import { pushArticles } from '../alerts/e2e/process.js';

/**
 * Issue 22, item 1: a row written due later (here a quiet-hours digest) must arm the dispatcher's timer from the
 * store, on SQLite, in the real process, with nothing else waking it. The process runs under libfaketime started
 * shortly before 07:00 UTC; quiet hours end at 07:00; one urgent story arrives inside them and is held. The
 * "While you were away" message must print by itself once 07:00 passes: no other story, no command, no hand-made
 * wake-up. (On the old code it stayed held until an unrelated story woke the dispatcher.)
 */
const LIBFAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'].find((p) => existsSync(p));
const TOKEN = 'due-later-ingest-token-0123456789';

if (!LIBFAKETIME && !process.env.CI) console.warn('due-later.test.ts skipped: libfaketime is not installed (apt-get install faketime); CI installs it');

describe.skipIf(!LIBFAKETIME && !process.env.CI)('a quiet-hours digest due later, in the real process on SQLite', () => {
  it('goes out at the end of quiet hours with nothing else waking the dispatcher', async () => {
    // The child's clock starts at 06:59:20 UTC on a fixed day and runs: ~40 s before quiet hours end.
    const app = startNewsdesk({
      DATA_DIR: tempDataDir(), TIMEZONE: 'UTC', PORT: '0', HOST: '127.0.0.1', INGEST_TOKEN: TOKEN, LOG_LEVEL: 'info',
      LD_PRELOAD: LIBFAKETIME!, FAKETIME: '@2026-11-26 06:59:20', FAKETIME_NO_CACHE: '1',
    });
        try {
      const port = await untilOutput(() => portOf(app.stderr()), 'the HTTP port', app, 30_000);
      app.child.stdin.write(':as admin\n/alerts subscribe min_priority:routine\n');
      const subId = await untilOutput(() => /Subscribed.*?\b([a-z0-9]{5})\b/s.exec(app.stdout())?.[1] ?? /\/alerts quiet ([a-z0-9]+)/.exec(app.stdout())?.[1], 'the subscription', app, 20_000);
      app.child.stdin.write(`/alerts quiet ${subId} from:22:00 to:07:00 tz:UTC\n`);
      await untilOutput(() => (/[Qq]uiet hours/.test(app.stdout().split(`quiet ${subId}`).pop() ?? '') ? true : undefined), 'quiet hours to be set', app, 20_000);

      const pushed = await pushArticles(port, TOKEN, {
        id: 'quiet-1', title: 'Council approves the new tram depot', body: 'The council approved the depot late on Wednesday.',
        priority: 'urgent', section: 'local', url: 'https://news.example/2026/11/26/tram-depot',
      });
      expect(pushed.status).toBe(201);
      // Held for quiet hours (not printed now)...
      await new Promise((r) => setTimeout(r, 1_000));
      expect(app.stdout()).not.toMatch(/Council approves the new tram depot/);
      // ...and printed by itself once 07:00 has passed on the child's clock (at most ~40 s away).
      await untilOutput(() => (/While you were away/.test(app.stdout()) ? true : undefined), 'the "While you were away" message', app, 90_000);
      expect(app.stdout()).toMatch(/🔔 Alert in #\S+ \(message [^)]+\)[\s\S]*While you were away: 1 story[\s\S]*Council approves the new tram depot/);
    } finally {
      app.child.stdin.end();
      app.child.kill('SIGTERM');
      await app.exited;
    }
  }, 150_000);
});
