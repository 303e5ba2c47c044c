import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { news } from '../../../commands/news.js';
import { loadConfig } from '../../../src/config.js';
import { createDispatcher } from '../../../src/core/dispatcher.js';
import { logger } from '../../../src/log.js';
import type { DiscordStandIn } from '../../standins/discord/index.js';
import { fixtureCommands } from './fixtures/commands.js';
import { memoryServices, sampleArticles } from './fixtures/services.js';

export const quiet = logger.child({}, { level: 'silent' });

export function testDispatcher() {
  const services = memoryServices(sampleArticles());
  return createDispatcher({ commands: fixtureCommands(news), services, logger: quiet, now: () => new Date('2026-11-20T13:00:00Z') });
}

export function ed25519Keys(): { publicHex: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { publicHex: der.subarray(der.length - 32).toString('hex'), privateKey };
}

export function signed(privateKey: KeyObject, body: string, timestamp = String(Math.floor(Date.now() / 1000))) {
  const signature = sign(null, Buffer.from(timestamp + body), privateKey).toString('hex');
  return { 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp, 'content-type': 'application/json' };
}

export function testConfig(standIn: DiscordStandIn, extra: Record<string, string> = {}) {
  return loadConfig({
    DISCORD_TOKEN: standIn.token,
    DISCORD_APPLICATION_ID: standIn.appId,
    DISCORD_GUILD_ID: standIn.guilds[0].id,
    DISCORD_API_URL: standIn.apiUrl,
    DISCORD_EDITOR_ROLE_IDS: standIn.guilds[0].editorRoleId,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'newsdesk-discord-')),
    LOG_LEVEL: 'silent',
    ...extra,
  });
}
