import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startNewsdesk, tempDataDir } from '../helpers/process.js';

/** The real entry point, started as a newcomer would: each mistake stops it with one line that names what to change. */
async function firstWords(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const app = startNewsdesk({ DATA_DIR: tempDataDir(), ...env });
  app.child.stdin.end('/news\n');
  const code = await app.exited;
  return { code, stderr: app.stderr(), stdout: app.stdout() };
}

describe('start-up stops early, in one line, on what a newcomer gets wrong', () => {
  it('an unknown TIMEZONE', async () => {
    const run = await firstWords({ TIMEZONE: 'Mars/Base' });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "Invalid configuration: TIMEZONE must be a time zone such as UTC, Europe/London or America/New_York, got 'Mars/Base' (see .env.example)\n",
    );
    expect(run.stdout).toBe('');
  });

  it('a malformed token, never repeated', async () => {
    const run = await firstWords({ DISCORD_TOKEN: 'not-a-token', DISCORD_APPLICATION_ID: '123456789012345678' });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'Invalid configuration: DISCORD_TOKEN must be a bot token (three parts joined by dots, without "Bot "): Developer Portal → Bot → Reset Token (see .env.example)\n',
    );
    const slack = await firstWords({ SLACK_BOT_TOKEN: 'xoxp-123-not-a-bot-token', SLACK_SIGNING_SECRET: 'abc' });
    expect(slack.code).toBe(2);
    expect(slack.stderr).toBe(
      'Invalid configuration: SLACK_BOT_TOKEN must be a bot token starting with xoxb- (OAuth & Permissions → Bot User OAuth Token) (see .env.example)\n',
    );
    expect(slack.stderr).not.toContain('xoxp-123');
  });

  it('PORT=abc', async () => {
    const run = await firstWords({ PORT: 'abc' });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("Invalid configuration: PORT must be a number from 0 to 65535 (0 picks a free port), got 'abc' (see .env.example)\n");
  });

  it('a data folder where a file is in the way, naming the database path', async () => {
    const dir = tempDataDir();
    writeFileSync(join(dir, 'blocker'), 'a file, not a folder');
    const run = await firstWords({ DATA_DIR: join(dir, 'blocker', 'data') });
    expect(run.code).toBe(1);
    const db = resolve(dir, 'blocker', 'data', 'newsdesk.db');
    expect(run.stderr).toBe(
      `Newsdesk failed to start: cannot open the database ${db}: ${join(dir, 'blocker')} is a file, not a folder; set DATA_DIR (or DATABASE_PATH) to a writable place\n`,
    );
  });

  it('a database path that is a folder', async () => {
    const dir = tempDataDir();
    mkdirSync(join(dir, 'newsdesk.db'));
    const run = await firstWords({ DATA_DIR: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `Newsdesk failed to start: cannot open the database ${resolve(dir, 'newsdesk.db')}: that path is a folder; set DATA_DIR (or DATABASE_PATH) to a writable place\n`,
    );
  });

  it.skipIf(process.getuid?.() === 0)('a read-only data folder (not as root: root writes anywhere)', async () => {
    const { chmodSync } = await import('node:fs');
    const dir = tempDataDir();
    chmodSync(dir, 0o555);
    try {
      const run = await firstWords({ DATA_DIR: dir });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `Newsdesk failed to start: cannot open the database ${resolve(dir, 'newsdesk.db')}: ${resolve(dir)} is not writable; set DATA_DIR (or DATABASE_PATH) to a writable place\n`,
      );
    } finally {
      chmodSync(dir, 0o755);
    }
  });

  it('a second process on the same SQLite file refuses to start; the first keeps answering', async () => {
    const dir = tempDataDir();
    const first = startNewsdesk({ DATA_DIR: dir });
    try {
      first.child.stdin.write('/news modi\n');
      await first.waitForStdout(/Results for “modi”/);
      const second = await firstWords({ DATA_DIR: dir });
      expect(second.code).toBe(1);
      expect(second.stderr).toBe(
        `Newsdesk failed to start: another Newsdesk process is using ${join(dir, 'newsdesk.db')}; stop it first, or set DATABASE_URL to a PostgreSQL database to run several instances\n`,
      );
      expect(second.stdout).toBe('');
      first.child.stdin.write('/news ukraine\n');
      await first.waitForStdout(/Results for “ukraine”/);
    } finally {
      first.child.stdin.end();
      expect(await first.exited).toBe(0);
    }
    // Once the first has stopped, the file is free again.
    const third = await firstWords({ DATA_DIR: dir });
    expect(third.code).toBe(0);
    expect(third.stdout).toMatch(/Latest news/);
  }, 60_000);
});
