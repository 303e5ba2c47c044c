import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { portOf, startNewsdesk, tempDataDir, untilOutput } from '../helpers/process.js';

/**
 * A scheduled briefing through the terminal, in the real process on SQLite: `/alerts briefing at:07:30` typed at
 * the prompt, and the briefing prints by itself at 07:30 on the child's clock (libfaketime, started shortly before),
 * once, with nothing else waking the dispatcher.
 */
const LIBFAKETIME = [process.env.LIBFAKETIME ?? '', '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'].find((p) => p && existsSync(p));

if (!LIBFAKETIME && !process.env.CI) console.warn('briefing-terminal.test.ts skipped: libfaketime is not installed (apt-get install faketime); CI installs it');

describe.skipIf(!LIBFAKETIME && !process.env.CI)('a scheduled briefing in the terminal', () => {
  it('prints at its time, once', async () => {
    // Thursday 26 November 2026, 07:29:35 UTC: the run is ~25 s away.
    const app = startNewsdesk({
      DATA_DIR: tempDataDir(), TIMEZONE: 'UTC', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info',
      LD_PRELOAD: LIBFAKETIME!, FAKETIME: '@2026-11-26 07:29:35', FAKETIME_NO_CACHE: '1',
    });
    try {
      await untilOutput(() => portOf(app.stderr()), 'the HTTP port', app, 30_000);
      app.child.stdin.write(':as admin\n/alerts briefing #morning at:07:30 days:mon-fri\n');
      const id = await untilOutput(() => /Briefing scheduled \(id ([a-z0-9]{5})\)/.exec(app.stdout())?.[1], 'the briefing', app, 20_000);
      // The terminal wraps long lines.
      expect(app.stdout().replace(/\s+/g, ' ')).toContain(`07:30 UTC mon-fri in #morning; next Thu 07:30. /alerts test ${id} posts it now.`);
      await untilOutput(() => (/Briefing: top stories since 07:30 yesterday|Nothing new since 07:30 yesterday/.test(app.stdout()) ? true : undefined), 'the briefing to print', app, 90_000);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(app.stdout().match(/Briefing: top stories since 07:30 yesterday|Nothing new since 07:30 yesterday/g)).toHaveLength(1);
      app.child.stdin.write('/alerts list\n');
      await untilOutput(() => (/briefing 07:30 UTC mon-fri · next Fri 07:30/.test(app.stdout()) ? true : undefined), 'the list line with the next run', app, 20_000);
    } finally {
      app.child.stdin.end();
      app.child.kill('SIGTERM');
      await app.exited;
    }
  }, 150_000);
});
