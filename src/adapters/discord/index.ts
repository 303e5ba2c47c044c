import { Client, Events, GatewayIntentBits, REST } from 'discord.js';
import type { Config } from '../../config.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import type { OutboundPort } from '../../outbound/port.js';
import type { Logger } from '../../log.js';
import type { HttpServer } from '../../server/http.js';
import { onGatewayInteraction } from './gateway-interactions.js';
import { mountHttpInteractions } from './http-interactions.js';
import { InteractionHandler } from './interactions.js';
import { DiscordPort } from './port.js';
import { ensureRegistered, registrationStateFile } from './registration.js';

/**
 * The Discord adapter: the real discord.js Client (intent Guilds only), command registration derived from the
 * core definitions, interactions through the shared dispatcher, and the outbound port for alerts.
 */
export interface DiscordAdapter {
  port: OutboundPort;
  /** Stop taking interactions, finish the ones in flight (bounded), log out. */
  stop(): Promise<void>;
  isReady(): boolean;
}

export interface StartDiscordOptions {
  config: Config;
  dispatcher: Dispatcher;
  logger: Logger;
  /** The one HTTP server; HTTP interactions mount on it when DISCORD_PUBLIC_KEY is set. */
  http?: HttpServer;
  /** How long stop() waits for replies in flight. */
  drainTimeoutMs?: number;
}

const DELIVERY_TIMEOUT_MS = 15_000;
const READY_TIMEOUT_MS = 30_000;

export function restOptions(config: Config) {
  return config.DISCORD_API_URL ? { api: config.DISCORD_API_URL.replace(/\/+$/, '') } : {};
}

export async function startDiscord(opts: StartDiscordOptions): Promise<DiscordAdapter> {
  const { config, dispatcher } = opts;
  const logger = opts.logger.child({ adapter: 'discord' });
  if (!config.DISCORD_TOKEN || !config.DISCORD_APPLICATION_ID) {
    throw new Error('Discord needs DISCORD_TOKEN and DISCORD_APPLICATION_ID');
  }
  const token = config.DISCORD_TOKEN;
  const applicationId = config.DISCORD_APPLICATION_ID;

  // allowedMentions here is a safety net; every rendered message also carries its own.
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: restOptions(config), allowedMentions: { parse: [] } });
  // Deliveries: never wait silently on a rate limit or retry on our own; the alerts dispatcher decides.
  const deliveryRest = new REST({ ...restOptions(config), rejectOnRateLimit: () => true, retries: 0, timeout: DELIVERY_TIMEOUT_MS })
    .setToken(token);
  const handler = new InteractionHandler({ dispatcher, logger, editorRoleIds: config.DISCORD_EDITOR_ROLE_IDS });

  client.on(Events.InteractionCreate, (interaction) => void onGatewayInteraction(handler, interaction));
  client.on(Events.Error, (err) => logger.error({ err }, 'discord client error'));
  client.on(Events.Warn, (message) => logger.warn(message));
  client.rest.on('rateLimited', (info) => logger.debug({ route: info.route, retryAfter: info.retryAfter }, 'discord rate limited'));

  if (config.DISCORD_PUBLIC_KEY) {
    if (!opts.http) throw new Error('DISCORD_PUBLIC_KEY is set but no HTTP server was given');
    mountHttpInteractions({ http: opts.http, publicKey: config.DISCORD_PUBLIC_KEY, applicationId, rest: client.rest, handler, logger });
  }

  try {
    const result = await ensureRegistered(
      client.rest.setToken(token),
      dispatcher.commands,
      { applicationId, guildId: config.DISCORD_GUILD_ID },
      registrationStateFile(config.DATA_DIR),
    );
    logger.info(result, result.outcome === 'registered' ? 'discord commands registered' : 'discord commands unchanged');

    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Discord did not become ready in time')), READY_TIMEOUT_MS);
      client.once(Events.ClientReady, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await client.login(token);
    await ready;
  } catch (err) {
    await client.destroy();
    throw err;
  }
  logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, 'discord ready');

  let stopped = false;
  return {
    port: new DiscordPort(deliveryRest, client),
    isReady: () => !stopped && client.isReady(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await handler.drain(opts.drainTimeoutMs ?? 10_000);
      await client.destroy();
      logger.info('discord logged out');
    },
  };
}
