import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreCommands } from '../../../commands/index.js';
import { startAlerts, type Alerts } from '../../../src/alerts/index.js';
import { loadConfig } from '../../../src/config.js';
import { createDispatcher, type Dispatcher } from '../../../src/core/dispatcher.js';
import type { Services } from '../../../src/core/services.js';
import type { SqliteStore } from '../../../src/store/sqlite/index.js';
import { quietLogger, realServices } from '../../helpers/services.js';
import type { DiscordStandIn } from '../../standins/discord/index.js';
import { TEST_CLOCK } from '../../helpers/clock.js';
import type { PortRegistry } from '../../../src/outbound/registry.js';

export const quiet = quietLogger;

/** The seed article of data/articles (000_3374571737b0a5b7.txt): Modi will visit Russia. */
export const SEED_ID = '000_3374571737b0a5b7';

export interface RealBot {
  store: SqliteStore;
  services: Services;
  /** The adapter's port is attached here once the adapter has started. */
  ports: PortRegistry;
  alerts: Alerts;
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

/**
 * The bot as src/app.ts composes it, minus the platforms: the real SQLite store (in memory, loaded with
 * data/articles), the real summarizer, the alerts pipeline, and the real commands including /alerts.
 */
export async function realBot(): Promise<RealBot> {
  const now = TEST_CLOCK;
  const { store, services, ports } = await realServices({ now });
  const alerts = startAlerts({
    store: store, ports, summarizer: services.summarizer, logger: quiet,
    config: { TIMEZONE: 'UTC' }, now,
  });
  services.alerts = alerts.service;
  const dispatcher = createDispatcher({
    commands: coreCommands(),
    services,
    logger: quiet,
    now,
    autocompleteSources: alerts.autocompleteSources,
  });
  return {
    store, services, ports, alerts, dispatcher,
    async close() {
      await alerts.stop();
      await store.close();
    },
  };
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

/** The environment the bot reads for Discord, pointed at the stand-in. */
export function standInEnv(standIn: DiscordStandIn, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DISCORD_TOKEN: standIn.token,
    DISCORD_APPLICATION_ID: standIn.appId,
    DISCORD_GUILD_ID: standIn.guilds[0].id,
    DISCORD_API_URL: standIn.apiUrl,
    DISCORD_EDITOR_ROLE_IDS: standIn.guilds[0].editorRoleId,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'newsdesk-discord-')),
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

export function testConfig(standIn: DiscordStandIn, extra: Record<string, string> = {}) {
  return loadConfig(standInEnv(standIn, extra));
}
