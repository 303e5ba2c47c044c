import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alerts } from '../../../commands/alerts.js';
import { coreCommands } from '../../../commands/index.js';
import { startDiscord } from '../../../src/adapters/discord/index.js';
import { commandsPayload } from '../../../src/adapters/discord/registration.js';
import { loadConfig } from '../../../src/config.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../standins/discord/index.js';
import { quiet, realBot, standInEnv, type RealBot } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const SCRIPT_TIMEOUT_MS = 30_000;

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run <script>` as a child process with only the given environment (plus PATH and HOME); bounded. */
function npmRun(script: string, env: Record<string, string>): Promise<Finished> {
  return new Promise((done, fail) => {
    const child = spawn('npm', ['run', '--silent', script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`npm run ${script} did not finish; stdout:\n${stdout}\nstderr:\n${stderr}`));
    }, SCRIPT_TIMEOUT_MS - 2_000);
    child.on('error', fail);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

describe('npm run discord:deploy against the stand-in', () => {
  let standIn: DiscordStandIn;
  let bot: RealBot;

  beforeAll(async () => {
    standIn = await startDiscordStandIn();
    bot = await realBot();
  });

  afterAll(async () => {
    await bot?.close();
    await standIn?.close();
  });

  it('registers the commands the bot serves to the guild, and the bot then finds nothing to re-register', async () => {
    const env = standInEnv(standIn);
    const run = await npmRun('discord:deploy', env);
    expect(run.code, run.stderr).toBe(0);
    const guildId = standIn.guilds[0].id;
    expect(run.stdout).toContain(`Registered 4 commands (/news, /summary, /alerts, /help) to server ${guildId}`);

    const puts = standIn.calls.filter((c) => c.method === 'PUT');
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({ path: `/applications/${standIn.appId}/guilds/${guildId}/commands`, status: 200, authorized: true });
    // The same list src/app.ts serves: the core commands plus /alerts.
    expect(puts[0].body).toEqual(commandsPayload(coreCommands()));
    expect(standIn.commands.get(guildId)!.map((c) => c.name)).toEqual(['news', 'summary', 'alerts', 'help']);

    // Starting the bot on the same DATA_DIR with the app's commands: deploy and start-up agree, so no second PUT.
    const adapter = await startDiscord({ config: loadConfig(env), dispatcher: bot.dispatcher, logger: quiet });
    await adapter.stop();
    expect(standIn.calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
    expect(run.stdout + run.stderr).not.toContain(standIn.token);
  }, SCRIPT_TIMEOUT_MS);

  it('says the token was refused, and exits 1, when Discord answers 401', async () => {
    const registered = () => standIn.calls.filter((c) => c.method === 'PUT' && c.status === 200).length;
    const before = registered();
    const run = await npmRun('discord:deploy', standInEnv(standIn, { DISCORD_TOKEN: 'bm90LXRoZS1ib3Q.token.refused' }));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Deploy failed: .*the token was refused: check DISCORD_TOKEN/);
    expect(run.stderr).not.toContain('bm90LXRoZS1ib3Q.token.refused');
    expect(registered()).toBe(before);
  }, SCRIPT_TIMEOUT_MS);
});

describe('npm run discord:invite', () => {
  const token = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.secret.invite-test-token';

  it('prints the OAuth2 URL with bot + applications.commands and the permissions bitfield, never the token', async () => {
    const run = await npmRun('discord:invite', { DISCORD_APPLICATION_ID: '123456789012345678', DISCORD_TOKEN: token, LOG_LEVEL: 'silent' });
    expect(run.code, run.stderr).toBe(0);
    const line = run.stdout.split('\n').find((l) => l.startsWith('https://'))!;
    expect(line).toMatch(/[?&]scope=(bot\+applications\.commands|bot%20applications\.commands)(&|$)/);
    expect(line).toMatch(/[?&]permissions=309237730304(&|$)/);
    expect(new URL(line).searchParams.get('client_id')).toBe('123456789012345678');
    expect(run.stdout + run.stderr).not.toContain(token);
    expect(run.stdout + run.stderr).not.toContain('secret');
  }, SCRIPT_TIMEOUT_MS);

  it('names the missing DISCORD_APPLICATION_ID and exits 2', async () => {
    const run = await npmRun('discord:invite', { DISCORD_TOKEN: token, LOG_LEVEL: 'silent' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/DISCORD_APPLICATION_ID/);
    expect(run.stdout).not.toContain('https://');
    expect(run.stdout + run.stderr).not.toContain(token);
  }, SCRIPT_TIMEOUT_MS);
});
