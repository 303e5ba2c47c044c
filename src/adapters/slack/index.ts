import { startStep, type StartStep } from '../start-failure.js';
import { App, HTTPReceiver, SocketModeReceiver, webApi, type RespondArguments } from '@slack/bolt';
import type { Config } from '../../config.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import type { OutboundPort } from '../../outbound/port.js';
import { lifecycle, type Logger } from '../../log.js';
import type { HttpServer } from '../../server/http.js';
import { SlackAdmins } from './admins.js';
import { boltLogger } from './bolt-logger.js';
import { SlackInteractions, type Ack, type Respond, type SlackResponse } from './interactions.js';
import { SlackPort } from './port.js';
import { mountSlackEvents, SLACK_MAX_BODY_BYTES } from './http-events.js';
import { connectOrKeepTrying, socketAttempts } from './socket-start.js';
import { slackCommandNames } from './command-names.js';

/**
 * The Slack adapter: the real Bolt App, over HTTP on the one shared server (`/slack/events`) or over Socket Mode
 * when SLACK_APP_TOKEN is set; slash commands and buttons through the shared dispatcher; the outbound port for
 * alerts on its own WebClient that never waits or retries silently.
 */
export interface SlackAdapter {
  port: OutboundPort;
  /** Stop taking commands, finish the ones in flight (bounded), close the socket (Socket Mode). */
  stop(): Promise<void>;
  isReady(): boolean;
}

export interface StartSlackOptions {
  config: Config;
  dispatcher: Dispatcher;
  logger: Logger;
  /** The one HTTP server; required in HTTP mode. */
  http?: HttpServer;
  /** Retries of the interactive client (users.info, auth.test). Tests set small ones. */
  retryConfig?: webApi.RetryOptions;
  /** How long stop() waits for answers in flight and for the socket to close. */
  drainTimeoutMs?: number;
  /** Timeout of one delivery call (chat.postMessage, chat.update, …). */
  deliveryTimeoutMs?: number;
}

const DEFAULT_RETRIES: webApi.RetryOptions = { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 10_000 };
const INTERACTIVE_TIMEOUT_MS = 10_000;

export async function startSlack(opts: StartSlackOptions): Promise<SlackAdapter> {
  const { config, dispatcher } = opts;
  const logger = opts.logger.child({ adapter: 'slack' });
  const token = config.SLACK_BOT_TOKEN;
  if (!token) throw new Error('Slack needs SLACK_BOT_TOKEN');
  const socketMode = Boolean(config.SLACK_APP_TOKEN);
  const slackLogger = boltLogger(logger);
  const apiUrl = config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL.replace(/\/*$/, '/') } : {};
  const clientOptions: webApi.WebClientOptions = {
    ...apiUrl,
    retryConfig: opts.retryConfig ?? DEFAULT_RETRIES,
    timeout: INTERACTIVE_TIMEOUT_MS,
    logger: slackLogger,
  };

  let receiver: HTTPReceiver | SocketModeReceiver;
  const stopping = new AbortController();
  const attempts = socketAttempts(opts.retryConfig, logger, stopping.signal);
  if (socketMode) {
    // apps.connections.open retries with backoff for as long as the bot runs (start-up and reconnections), each failure logged.
    const socketClientOptions = { ...clientOptions, retryConfig: attempts.retryConfig };
    receiver = new SocketModeReceiver({ appToken: config.SLACK_APP_TOKEN!, logger: slackLogger, installerOptions: { clientOptions: socketClientOptions } });
  } else {
    if (!config.SLACK_SIGNING_SECRET) throw new Error('Slack HTTP mode needs SLACK_SIGNING_SECRET');
    if (!opts.http) throw new Error('Slack HTTP mode needs the shared HTTP server');
    receiver = new HTTPReceiver({ signingSecret: config.SLACK_SIGNING_SECRET, logger: slackLogger, bodyLimit: SLACK_MAX_BODY_BYTES });
  }
  // deferInitialization: auth.test runs in init(), where a bad token becomes a start-up error, not a crash.
  const app = new App({ token, receiver, clientOptions, logger: slackLogger, deferInitialization: true });
  await startStep(slackStep('SLACK_BOT_TOKEN', 'checking the bot token (auth.test)'), () => app.init());

  const admins = new SlackAdmins(app.client, config.SLACK_ADMIN_USER_IDS, logger);
  const interactions = new SlackInteractions({ dispatcher, admins, commandNames: slackCommandNames(config, dispatcher.commands), logger });
  const wrapAck = (ack: (body?: RespondArguments) => Promise<void>): Ack => (body?: SlackResponse) => ack(body as RespondArguments);
  const wrapRespond = (respond: (body: RespondArguments) => Promise<unknown>): Respond => (body) => respond(body as RespondArguments);

  app.command(/.*/, async ({ command, ack, respond }) => {
    await interactions.command(
      {
        command: command.command, text: command.text, userId: command.user_id, userName: command.user_name,
        teamId: command.team_id, channelId: command.channel_id, channelName: command.channel_name,
      },
      wrapAck(ack), wrapRespond(respond),
    );
  });
  app.action({ type: 'block_actions' }, async ({ body, action, ack, respond }) => {
    const a = action as { action_id: string; value?: string };
    const b = body as { user: { id: string; username?: string; name?: string; team_id?: string }; team: { id: string } | null;
      channel?: { id: string; name?: string }; container?: { is_ephemeral?: boolean } };
    await interactions.action(
      {
        actionId: a.action_id, value: a.value, userId: b.user.id, userName: b.user.username ?? b.user.name ?? b.user.id,
        teamId: b.team?.id ?? b.user.team_id ?? '', channelId: b.channel?.id ?? '', channelName: b.channel?.name,
        inChannel: b.container?.is_ephemeral === false,
      },
      () => ack(), wrapRespond(respond),
    );
  });
  app.event('tokens_revoked', async () => logger.error('slack: the bot token was revoked; Newsdesk cannot post until reinstalled'));
  app.event('app_uninstalled', async () => logger.error('slack: Newsdesk was uninstalled from the workspace'));
  app.error(async (err) => logger.error({ err }, 'slack: unhandled error in a listener'));

  let connected = !socketMode;
  let stopped = false;
  if (receiver instanceof SocketModeReceiver) {
    const client = receiver.client;
    client.on('connected', () => { connected = true; });
    client.on('disconnected', () => { connected = false; });
    client.on('reconnecting', () => { connected = false; });
    // A refused app token fails start-up; an outage does not hold it: the bot serves /healthz and its other
    // adapters while Socket Mode keeps trying, and stop() ends the attempts.
    const opening = startStep(slackStep('SLACK_APP_TOKEN', 'opening the Socket Mode connection (apps.connections.open)'), () => app.start());
    if ((await connectOrKeepTrying(opening, attempts, logger, stopping.signal)) === 'connected') {
      lifecycle(logger, {}, 'slack: connected over Socket Mode');
    } else {
      logger.warn('slack: started without Socket Mode for now; /readyz reports slack not ready until it connects');
    }
  } else {
    mountSlackEvents({ http: opts.http!, receiver, isStopped: () => stopped, logger });
    lifecycle(logger, {}, 'slack: taking requests at /slack/events');
  }

  const deliveryClient = new webApi.WebClient(token, {
    ...apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: opts.deliveryTimeoutMs ?? 15_000,
    logger: slackLogger,
  });

  return {
    port: new SlackPort(deliveryClient),
    isReady: () => !stopped && connected,
    async stop() {
      if (stopped) return;
      stopped = true;
      stopping.abort();
      const budget = opts.drainTimeoutMs ?? 10_000;
      await interactions.drain(budget);
      if (receiver instanceof SocketModeReceiver) await closeSocket(receiver, budget);
      logger.info('slack: stopped');
    },
  };
}

/** Bolt's stop() returns before the socket closes; wait (bounded) for the client to report it disconnected. */
/** A start-up step against Slack: its failure names Slack, the variable, and this step. */
function slackStep(tokenVariable: 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN', doing: string): StartStep {
  const resetHint = tokenVariable === 'SLACK_BOT_TOKEN'
    ? 'copy the Bot User OAuth Token again (api.slack.com/apps → OAuth & Permissions), reinstalling the app if it was removed'
    : 'create an app-level token with connections:write (api.slack.com/apps → Basic Information → App-Level Tokens)';
  return { platform: 'Slack', tokenVariable, doing, resetHint, apiUrlVariable: 'SLACK_API_URL' };
}

async function closeSocket(receiver: SocketModeReceiver, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    receiver.client.disconnect(),
    new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); }),
  ]);
  clearTimeout(timer);
}
