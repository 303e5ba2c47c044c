import { systemClock, type Clock } from '../../domain/clock.js';
import { startStep, type StartStep } from '../start-failure.js';
import { SharedIdentifyThrottler } from './identify-throttler.js';
import { REST, Routes, type Client, type Guild, type IIdentifyThrottler } from 'discord.js';
import type { Config } from '../../config.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import type { OutboundPort, PublishLedger } from '../../outbound/port.js';
import { lifecycle, type Logger } from '../../log.js';
import type { HttpServer } from '../../server/http.js';
import type { Coordination } from '../../store/types.js';
import { cachedGuild, connectGateway, newClient } from './gateway.js';
import { mountHttpInteractions } from './http-interactions.js';
import { InteractionHandler } from './interactions.js';
import { DiscordPort } from './port.js';
import { ensureRegistered, registrationStateFile } from './registration.js';
import { ShardLeases } from './shard-leases.js';

/**
 * The Discord adapter: the real discord.js Client (intent Guilds only), command registration derived from the
 * core definitions, interactions through the shared dispatcher, and the outbound port for alerts.
 *
 * Shards: one process alone runs every shard (DISCORD_SHARD_IDS, else all of DISCORD_SHARD_COUNT, else as many as
 * Discord recommends) in one Client. Instances sharing PostgreSQL each run the shards they hold a lease for
 * (shard-leases.ts), one Client per shard. Posting alerts and HTTP interactions need no shard: an instance
 * holding none still answers over HTTP and posts over REST.
 */
export interface DiscordAdapter {
  port: OutboundPort;
  /** Stop taking interactions, finish the ones in flight (bounded), log out. */
  stop(): Promise<void>;
  isReady(): boolean;
  /** The shard ids this instance runs now, and the shard count. */
  shards(): { ids: number[]; count: number };
  /** Each running shard's gateway heartbeat round trip in ms (shards not measured yet are left out). */
  gatewayPing(): Array<{ shard: number; ms: number }>;
}

export interface StartDiscordOptions {
  config: Config;
  dispatcher: Dispatcher;
  logger: Logger;
  /** The one HTTP server; HTTP interactions mount on it when DISCORD_PUBLIC_KEY is set. */
  http?: HttpServer;
  /** How long stop() waits for replies in flight. */
  drainTimeoutMs?: number;
  /** Set when instances share PostgreSQL: shards are then held under leases. */
  coordination?: Coordination;
  /** How long a shard's lease lasts without renewal (about the takeover time when an instance dies). */
  shardLeaseTtlMs?: number;
  /** The application clock (src/domain/clock.ts): the publish window of announcement channels reads it. */
  now?: Clock;
  /** Where publishes from announcement channels are counted (the store's publish log); in memory without it. */
  publishLedger?: PublishLedger;
}

const DELIVERY_TIMEOUT_MS = 15_000;
const READY_TIMEOUT_MS = 30_000;
const SHARD_PREFIX = 'discord-shard:';

export function restOptions(config: Config) {
  return config.DISCORD_API_URL ? { api: config.DISCORD_API_URL.replace(/\/+$/, '') } : {};
}

export async function startDiscord(opts: StartDiscordOptions): Promise<DiscordAdapter> {
  const { config, dispatcher, coordination } = opts;
  const logger = opts.logger.child({ adapter: 'discord' });
  if (!config.DISCORD_TOKEN || !config.DISCORD_APPLICATION_ID) {
    throw new Error('Discord needs DISCORD_TOKEN and DISCORD_APPLICATION_ID');
  }
  const token = config.DISCORD_TOKEN;
  const applicationId = config.DISCORD_APPLICATION_ID;
  const rest = restOptions(config);

  // Alone, this Client is the gateway for every shard; with leases it only speaks REST, and each held shard gets
  // a Client of its own.
  const client = newClient(rest);
  client.rest.setToken(token);
  // Deliveries: never wait silently on a rate limit or retry on our own; the alerts dispatcher decides.
  const deliveryRest = new REST({ ...rest, rejectOnRateLimit: () => true, retries: 0, timeout: DELIVERY_TIMEOUT_MS })
    .setToken(token);
  const handler = new InteractionHandler({ dispatcher, logger, editorRoleIds: config.DISCORD_EDITOR_ROLE_IDS });

  if (config.DISCORD_PUBLIC_KEY) {
    if (!opts.http) throw new Error('DISCORD_PUBLIC_KEY is set but no HTTP server was given');
    mountHttpInteractions({ http: opts.http, publicKey: config.DISCORD_PUBLIC_KEY, applicationId, rest: client.rest, handler, logger });
  }

  const shardClients = new Map<number, Client>();
  let leases: ShardLeases | undefined;
  let count = 0;
  const gatewayClients = (): Client[] => (leases ? [...shardClients.values()] : [client]);
  try {
    const result = await startStep(discordStep('registering slash commands', config.DISCORD_GUILD_ID), () => ensureRegistered(
      client.rest,
      dispatcher.commands,
      { applicationId, guildId: config.DISCORD_GUILD_ID },
      registrationStateFile(config.DATA_DIR),
      opts.now ?? systemClock,
    ));
    logger.info(result, result.outcome === 'registered' ? 'discord commands registered' : 'discord commands unchanged');

    const gateway = { token, rest, handler, logger, readyTimeoutMs: READY_TIMEOUT_MS };
    if (!coordination) {
      const ids = config.DISCORD_SHARD_IDS;
      count = config.DISCORD_SHARD_COUNT ?? (ids ? await startStep(discordStep('asking how many shards to run'), () => recommendedShards(client)) : 0);
      const shards = ids ?? (count ? [...Array(count).keys()] : 'auto');
      checkIds(ids, count);
      client.options.shards = shards;
      if (count) client.options.shardCount = count;
      await startStep(discordStep('logging in to the gateway'), () => connectGateway({ ...gateway, shards, shardCount: count || undefined }, client));
      count = client.options.shardCount ?? 1;
      lifecycle(logger, { user: client.user?.tag, guilds: client.guilds.cache.size, shards: client.options.shards, count }, 'discord ready');
    } else {
      count = config.DISCORD_SHARD_COUNT ?? (await countInUse(coordination)) ??
        (await startStep(discordStep('asking how many shards to run'), () => recommendedShards(client)));
      checkIds(config.DISCORD_SHARD_IDS, count);
      // One Client per shard, and one IDENTIFY spacing for every instance's shards (Discord's max_concurrency is the
      // bot's): the start slots live in the shared store.
      let throttler: Promise<IIdentifyThrottler> | undefined;
      const ws = {
        buildIdentifyThrottler: (manager: { fetchGatewayInformation(): Promise<{ session_start_limit: { max_concurrency: number } }> }) =>
          (throttler ??= manager.fetchGatewayInformation().then((info) => new SharedIdentifyThrottler(coordination, info.session_start_limit.max_concurrency))),
      };
      leases = new ShardLeases({
        coordination, count, pinned: config.DISCORD_SHARD_IDS, logger, ttlMs: opts.shardLeaseTtlMs,
        startShard: async (id) => {
          const shardClient = newClient(rest, { shards: [id], shardCount: count, ws });
          shardClients.set(id, shardClient);
          await connectGateway({ ...gateway, shards: [id], shardCount: count }, shardClient);
          // Lost while connecting: stopShard destroyed it already.
          if (shardClients.get(id) !== shardClient) await shardClient.destroy();
          else lifecycle(logger, { shard: id, count, guilds: shardClient.guilds.cache.size }, 'discord shard ready');
        },
        stopShard: async (id) => {
          const shardClient = shardClients.get(id);
          shardClients.delete(id);
          await shardClient?.destroy();
        },
      });
      await startStep(discordStep('logging in to the gateway'), () => leases!.start());
      lifecycle(logger, { shards: leases.shards(), count, instance: coordination.instanceId }, 'discord ready (shards under leases)');
    }
  } catch (err) {
    await leases?.stop();
    await client.destroy();
    throw err;
  }

  let botUserId: Promise<string> | undefined;
  const ownUserId = (): Promise<string> => {
    const known = gatewayClients().find((c) => c.user)?.user?.id;
    if (known) return Promise.resolve(known);
    botUserId ??= (client.rest.get(Routes.user('@me')) as Promise<{ id: string }>).then((u) => u.id);
    return botUserId;
  };
  // A guild this instance runs a shard of is in a Client's cache; any other is read over REST (not kept: no events
  // would keep it fresh).
  const findGuild = async (id: string): Promise<Guild | null> =>
    cachedGuild(gatewayClients(), id) ?? (await client.guilds.fetch({ guild: id, cache: false, force: true }).catch(() => null));

  let stopped = false;
  return {
    port: new DiscordPort(deliveryRest, { findGuild, ownUserId }, () => (opts.now ?? systemClock)().getTime(), opts.publishLedger),
    isReady: () => !stopped && (leases ? [...shardClients.values()].every((c) => c.isReady()) : client.isReady()),
    shards: () => ({ ids: leases ? leases.shards() : [...((client.options.shards as number[] | undefined) ?? [])], count }),
    gatewayPing: () =>
      gatewayClients().flatMap((c) => [...c.ws.shards.values()].map((s) => ({ shard: s.id, ms: s.ping }))).filter((p) => p.ms >= 0),
    async stop() {
      if (stopped) return;
      stopped = true;
      await handler.drain(opts.drainTimeoutMs ?? 10_000);
      await leases?.stop();
      await client.destroy();
      logger.info('discord logged out');
    },
  };
}

/** What Discord recommends for this bot (GET /gateway/bot). */
/** A start-up step against Discord: its failure names Discord, the variable, and this step. */
function discordStep(doing: string, guildId?: string): StartStep {
  return {
    platform: 'Discord', tokenVariable: 'DISCORD_TOKEN', doing, apiUrlVariable: 'DISCORD_API_URL',
    resetHint: 'reset the token in the Developer Portal (Bot → Reset Token)',
    byStatus: {
      403: guildId
        ? 'check DISCORD_APPLICATION_ID (this bot\'s Application ID), and that the bot was invited to DISCORD_GUILD_ID with the applications.commands scope (npm run discord:invite)'
        : 'check DISCORD_APPLICATION_ID (this bot\'s Application ID)',
      404: guildId
        ? 'check DISCORD_APPLICATION_ID and DISCORD_GUILD_ID (is the bot in that server?)'
        : 'check DISCORD_APPLICATION_ID (the Developer Portal\'s Application ID of this bot)',
    },
  };
}

async function recommendedShards(client: Client): Promise<number> {
  const info = (await client.rest.get(Routes.gatewayBot())) as { shards: number };
  return Math.max(1, info.shards);
}

/** The shard count of the live instances' leases, if any: a newcomer joins them rather than a new recommendation. */
async function countInUse(coordination: Coordination): Promise<number | undefined> {
  const counts = (await coordination.leases(SHARD_PREFIX))
    .map((l) => Number(/\/(\d+)$/.exec(l.name)?.[1]))
    .filter((n) => Number.isInteger(n) && n > 0);
  return counts.length ? Math.max(...counts) : undefined;
}

function checkIds(ids: number[] | undefined, count: number): void {
  const outside = count ? ids?.find((id) => id >= count) : undefined;
  if (outside !== undefined) throw new Error(`DISCORD_SHARD_IDS names shard ${outside}, but there are only ${count} shards (0-${count - 1})`);
}
