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
import type { Coordination, OAuthStateRows, SlackInstallationStore } from '../../store/types.js';
import { installationBridge, installPages, type WorkspaceGoneEvent, mountSlackInstall, SLACK_BOT_SCOPES, SLACK_INSTALL_PATH, SLACK_REDIRECT_PATH, storeBackedStateStore } from './oauth.js';
import { SlackTokens } from './tokens.js';

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
  /** Many workspaces (config.slackOAuth): the installation store (tokens sealed) and the install flow's states. */
  oauth?: SlackOAuthOptions;
}

export interface SlackOAuthOptions {
  installations: SlackInstallationStore;
  states: OAuthStateRows;
  /** Several instances: one refreshes a workspace's token at a time. */
  coordination?: Pick<Coordination, 'acquire' | 'release'>;
  /** The application clock, epoch ms. */
  now: () => number;
  /** Refresh a rotating token when less than this is left (default 2 hours). */
  refreshMarginMs?: number;
  /**
   * A workspace uninstalled Newsdesk, revoked its token, or its refresh was refused: the installation is deleted
   * already; the caller pauses the workspace's subscriptions and drops its queued deliveries.
   */
  onWorkspaceGone(teamId: string, event: WorkspaceGoneEvent): Promise<void>;
}

const DEFAULT_RETRIES: webApi.RetryOptions = { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 10_000 };
const INTERACTIVE_TIMEOUT_MS = 10_000;

export async function startSlack(opts: StartSlackOptions): Promise<SlackAdapter> {
  const { config, dispatcher } = opts;
  const logger = opts.logger.child({ adapter: 'slack' });
  const token = config.SLACK_BOT_TOKEN;
  const oauth = config.slackOAuth ? opts.oauth : undefined;
  if (config.slackOAuth && !oauth) throw new Error('Slack for many workspaces needs the installation store');
  if (!token && !oauth) throw new Error('Slack needs SLACK_BOT_TOKEN, or SLACK_CLIENT_ID for many workspaces');
  const socketMode = Boolean(config.SLACK_APP_TOKEN);
  const slackLogger = boltLogger(logger);
  const apiUrl = config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL.replace(/\/*$/, '/') } : {};
  const clientOptions: webApi.WebClientOptions = {
    ...apiUrl,
    retryConfig: opts.retryConfig ?? DEFAULT_RETRIES,
    timeout: INTERACTIVE_TIMEOUT_MS,
    logger: slackLogger,
  };

  // Many workspaces: each call's token comes from the store (refreshed before expiry, one instance at a time).
  const refreshClient = new webApi.WebClient(undefined, { ...apiUrl, retryConfig: { retries: 0 }, timeout: INTERACTIVE_TIMEOUT_MS, logger: slackLogger });
  const tokens = oauth
    ? new SlackTokens({
        installations: oauth.installations, coordination: oauth.coordination, now: oauth.now, logger, refreshMarginMs: oauth.refreshMarginMs,
        onGone: (team, event) => oauth.onWorkspaceGone(team, event),
        async refresh(refreshToken) {
          const res = await refreshClient.oauth.v2.access({
            client_id: config.SLACK_CLIENT_ID!, client_secret: config.SLACK_CLIENT_SECRET!, grant_type: 'refresh_token', refresh_token: refreshToken,
          });
          if (!res.access_token || !res.refresh_token || !res.expires_in) throw new Error('oauth.v2.access answered without a rotated token pair');
          return { accessToken: res.access_token, refreshToken: res.refresh_token, expiresInSeconds: res.expires_in };
        },
      })
    : undefined;

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
    receiver = new HTTPReceiver({
      signingSecret: config.SLACK_SIGNING_SECRET, logger: slackLogger, bodyLimit: SLACK_MAX_BODY_BYTES,
      // Many workspaces: Bolt's InstallProvider serves the install routes and authorizes each request from the store.
      ...(oauth && tokens ? {
        clientId: config.SLACK_CLIENT_ID, clientSecret: config.SLACK_CLIENT_SECRET, stateSecret: config.SLACK_STATE_SECRET,
        scopes: SLACK_BOT_SCOPES, redirectUri: config.SLACK_REDIRECT_URI,
        installationStore: installationBridge({ installations: oauth.installations, tokens, now: oauth.now, logger }),
        installerOptions: {
          stateStore: storeBackedStateStore(oauth.states, oauth.now), directInstall: true, installPath: SLACK_INSTALL_PATH,
          redirectUriPath: SLACK_REDIRECT_PATH, callbackOptions: installPages, clientOptions, authorizationUrl: config.SLACK_AUTHORIZE_URL,
        },
      } : {}),
    });
  }
  // deferInitialization: auth.test runs in init(), where a bad token becomes a start-up error, not a crash. With many
  // workspaces there is no token to test: Bolt's authorize reads each request's workspace from the store.
  const app = new App({ token, receiver, clientOptions, logger: slackLogger, deferInitialization: true });
  await startStep(slackStep('SLACK_BOT_TOKEN', 'checking the bot token (auth.test)'), () => app.init());

  const admins = new SlackAdmins(app.client, config.SLACK_ADMIN_USER_IDS, logger, undefined, undefined, tokens ? (team) => tokens.tokenFor(team) : undefined);
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
  if (oauth) {
    // Either order, redelivered, or after a restart: the installation goes (once) and the workspace pauses (once).
    const gone = async (teamId: string | undefined, enterpriseId: string | undefined, event: WorkspaceGoneEvent, orgWide = false) => {
      if (!teamId) return;
      // An org-wide install is stored under its enterprise; a workspace's own install under the team.
      await oauth.installations.delete(orgWide && enterpriseId ? { enterpriseId, isEnterpriseInstall: true } : { teamId });
      logger.warn({ team: teamId, enterprise: enterpriseId ?? null, event }, 'slack: Newsdesk lost this workspace; its token is deleted');
      await oauth.onWorkspaceGone(teamId, event);
    };
    const orgWide = (body: { authorizations?: Array<{ is_enterprise_install?: boolean }> }) => Boolean(body.authorizations?.[0]?.is_enterprise_install);
    app.event('app_uninstalled', async ({ body }) => gone(body.team_id, body.enterprise_id, 'app_uninstalled', orgWide(body)));
    app.event('tokens_revoked', async ({ body, event }) => {
      // Only the bot's token matters; revoked user tokens (none are asked for) change nothing.
      if ((event.tokens.bot ?? []).length > 0) await gone(body.team_id, body.enterprise_id, 'tokens_revoked', orgWide(body));
    });
  } else {
    app.event('tokens_revoked', async () => logger.error('slack: the bot token was revoked; Newsdesk cannot post until reinstalled'));
    app.event('app_uninstalled', async () => logger.error('slack: Newsdesk was uninstalled from the workspace'));
  }
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
    if (oauth) mountSlackInstall(opts.http!, receiver, logger);
    logger.info(oauth ? `slack: taking requests at /slack/events; installs at ${SLACK_INSTALL_PATH}` : 'slack: taking requests at /slack/events');
    lifecycle(logger, {}, 'slack: taking requests at /slack/events');
  }

  // Many workspaces: no token of its own; each call carries its workspace's.
  const deliveryClient = new webApi.WebClient(oauth ? undefined : token, {
    ...apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: opts.deliveryTimeoutMs ?? 15_000,
    logger: slackLogger,
  });

  return {
    port: new SlackPort(deliveryClient, tokens),
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
