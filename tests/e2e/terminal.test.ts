import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startNewsdesk, tempDataDir } from '../helpers/process.js';

describe('npm start (terminal adapter, embedded SQLite) as a real process', () => {
  it('answers piped commands on stdout and exits at the end of input', async () => {
    const dataDir = tempDataDir();
    const app = startNewsdesk({ DATA_DIR: dataDir });
    app.child.stdin.end('/news modi\n/summary 000_3374571737b0a5b7\n/help news\n/nwes\n:as admin\n:whoami\n');
    expect(await app.exited).toBe(0);
    const out = app.stdout();
    expect(out).toMatch(/Results for “modi”/);
    expect(out).toMatch(/Modi Will Soon Visit Moscow/);
    expect(out).toMatch(/visit Russia/);
    expect(out).toMatch(/Did you mean \/news\?/);
    expect(out).toMatch(/admin \(admin\) in #newsroom/);
    expect(out).not.toMatch(/\x1b\[/); // no colour when piped
    expect(app.stderr()).not.toMatch(/Loading articles/); // no progress when piped
  });

  it('ingests a file dropped into data/inbox/ while running', async () => {
    const dataDir = tempDataDir();
    const app = startNewsdesk({ DATA_DIR: dataDir });
    try {
      app.child.stdin.write('/news\n');
      await app.waitForStdout(/Latest news/);
      writeFileSync(
        join(dataDir, 'inbox', 'flood.txt'),
        'Breaking News\n\nRiver Quillon Bursts Its Banks In Ostravia\n\nThe river Quillon burst its banks overnight, officials said.\n',
      );
      // Ask until the story is there (bounded): the watcher ingests within about a second.
      for (let i = 0; i < 40 && !/River Quillon Bursts/.test(app.stdout()); i++) {
        app.child.stdin.write('/news quillon\n');
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(app.stdout()).toMatch(/River Quillon Bursts Its Banks/);
    } finally {
      app.child.stdin.end();
      await app.exited;
    }
  });

  it('keeps answering when the inbox folder cannot be created', async () => {
    const dataDir = tempDataDir();
    rmSync(join(dataDir, 'inbox'), { recursive: true });
    writeFileSync(join(dataDir, 'inbox'), 'a file where the inbox folder should be');
    const app = startNewsdesk({ DATA_DIR: dataDir });
    app.child.stdin.end('/news modi\n');
    expect(await app.exited).toBe(0);
    expect(app.stdout()).toMatch(/Results for “modi”/);
    expect(app.stderr()).toMatch(/inbox disabled/);
  });

  it('stops with a message naming the variable when the config is invalid', async () => {
    const app = startNewsdesk({ DATA_DIR: tempDataDir(), PORT: 'eighty', TERMINAL_CHANNEL: 'bad name!', LOG_LEVEL: 'verbose' });
    app.child.stdin.end();
    expect(await app.exited).toBe(2);
    expect(app.stderr()).toMatch(/LOG_LEVEL/);
    expect(app.stderr()).toMatch(/PORT/);
    expect(app.stderr()).toMatch(/TERMINAL_CHANNEL/);
    expect(app.stderr()).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('reads the .env file at start (here the one NEWSDESK_ENV_FILE names), and the environment wins over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-env-'));
    const envFile = join(dir, '.env');
    writeFileSync(envFile, 'LOG_LEVEL=verbose\nTERMINAL_CHANNEL=bad name!\n');
    const fromFile = startNewsdesk({ DATA_DIR: tempDataDir(), NEWSDESK_ENV_FILE: envFile, LOG_LEVEL: '' });
    fromFile.child.stdin.end();
    expect(await fromFile.exited).toBe(2);
    expect(fromFile.stderr()).toMatch(/TERMINAL_CHANNEL/);
    // The environment's values win: with both set there, the file's bad values are never used.
    const envWins = startNewsdesk({ DATA_DIR: tempDataDir(), NEWSDESK_ENV_FILE: envFile, LOG_LEVEL: 'warn', TERMINAL_CHANNEL: 'desk' });
    envWins.child.stdin.end('/help\n');
    expect(await envWins.exited).toBe(0);
    expect(envWins.stdout()).toMatch(/news/);
  }, 120_000);
});
