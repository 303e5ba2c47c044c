import { Client, Events, GatewayIntentBits, type ClientOptions, type Guild } from 'discord.js';
import type { Logger } from '../../log.js';
import { onGatewayInteraction } from './gateway-interactions.js';
import type { InteractionHandler } from './interactions.js';

/**
 * Gateway sessions through discord.js's own sharding: a Client runs the shards of its `shards` option (fixed when
 * it is built) out of `shardCount`. One process alone runs one Client for all its shards; instances sharing
 * PostgreSQL run one Client per shard they hold a lease for, built when the lease is won, destroyed when it is lost.
 */
export interface GatewayClientOptions {
  token: string;
  rest: { api?: string };
  /** Shard ids to run, or 'auto' (as many as Discord recommends). */
  shards: number[] | 'auto';
  shardCount?: number;
  handler: InteractionHandler;
  logger: Logger;
  readyTimeoutMs: number;
}

export function newClient(rest: { api?: string }, sharding: Pick<ClientOptions, 'shards' | 'shardCount' | 'ws'> = {}): Client {
  // allowedMentions here is a safety net; every rendered message also carries its own.
  return new Client({ intents: [GatewayIntentBits.Guilds], rest, allowedMentions: { parse: [] }, ...sharding });
}

/** Builds the Client, logs in and resolves once every one of its shards is ready (or rejects and destroys it). */
export async function connectGateway(opts: GatewayClientOptions, client = newClient(opts.rest, { shards: opts.shards, shardCount: opts.shardCount })): Promise<Client> {
  const { handler, logger } = opts;
  client.on(Events.InteractionCreate, (interaction) => void onGatewayInteraction(handler, interaction));
  client.on(Events.Error, (err) => logger.error({ err }, 'discord client error'));
  client.on(Events.Warn, (message) => logger.warn(message));
  client.rest.on('rateLimited', (info) => logger.debug({ route: info.route, retryAfter: info.retryAfter }, 'discord rate limited'));
  try {
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Discord did not become ready in time')), opts.readyTimeoutMs);
      client.once(Events.ClientReady, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    // Both at once: a login that never settles still ends at the ready timeout.
    await Promise.all([client.login(opts.token), ready]);
  } catch (err) {
    await client.destroy();
    throw err;
  }
  return client;
}

/** A guild from whichever running Client has it cached. */
export function cachedGuild(clients: Iterable<Client>, id: string): Guild | undefined {
  for (const c of clients) {
    const g = c.guilds.cache.get(id);
    if (g) return g;
  }
  return undefined;
}
