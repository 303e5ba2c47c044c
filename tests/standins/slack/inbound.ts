import { randomBytes } from 'node:crypto';
import { signedHeaders } from './signing.js';
import type { SocketModeServer } from './socket.js';
import type { World } from './world.js';

/**
 * Slack's side of an interaction: a slash command or a button click, sent to the app either as a signed HTTP POST
 * (form-encoded, as Slack does) or as a Socket Mode envelope, each with its own response_url on the stand-in.
 */
export interface ResponsePost {
  /** Which interaction's response_url was used. */
  id: string;
  body: Record<string, unknown>;
  at: number;
  /** Set when the stand-in refused the payload (invalid_blocks, …). */
  problem?: string;
}

export interface SlashCommand {
  command: string;
  text?: string;
  user?: string;
  channel?: string;
  team?: string;
  /** Default: Socket Mode when a client is connected, else HTTP. */
  via?: 'http' | 'socket';
  /** Seconds; default now. */
  timestamp?: number;
}

export interface ButtonClick {
  /** The button's action_id, or find it by `label` in `blocks`. */
  actionId?: string;
  label?: string;
  blocks?: unknown;
  value?: string;
  user?: string;
  channel?: string;
  team?: string;
  /** Was the clicked message the clicker's ephemeral answer? Default true. */
  isEphemeral?: boolean;
  via?: 'http' | 'socket';
}

export interface Interaction {
  id: string;
  responseUrl: string;
  /** HTTP status of the app's answer (200 for a Socket Mode ack). */
  status: number;
  /** The ack's body: null for an empty ack. */
  ack: Record<string, unknown> | null;
  responses(): ResponsePost[];
  waitForResponses(count: number, timeoutMs?: number): Promise<ResponsePost[]>;
}

interface InboundDeps {
  baseUrl: string;
  signingSecret: string;
  world: World;
  socket: SocketModeServer;
  responses: ResponsePost[];
  appUrl(): string | undefined;
  /** A response_url was handed out now: its 30 minutes start. */
  issueResponseUrl(id: string): void;
}

export class Inbound {
  private counter = 0;

  constructor(private readonly deps: InboundDeps) {}

  private context(o: { user?: string; channel?: string; team?: string }) {
    const team = this.deps.world.teams.find((t) => t.id === o.team) ?? this.deps.world.teams[0];
    const user = this.deps.world.user(o.user ?? 'U0READER') ?? { id: o.user ?? 'U0READER', name: 'someone' };
    const channel = this.deps.world.channel(o.channel ?? team.channels[0].id) ?? { id: o.channel!, name: 'unknown' };
    const id = `r${++this.counter}-${randomBytes(3).toString('hex')}`;
    this.deps.issueResponseUrl(id);
    return { team, user, channel, id, responseUrl: `${this.deps.baseUrl}/respond/${id}` };
  }

  async slashCommand(cmd: SlashCommand): Promise<Interaction> {
    const { team, user, channel, id, responseUrl } = this.context(cmd);
    const fields: Record<string, string> = {
      token: 'deprecated-verification-token', team_id: team.id, team_domain: team.id.toLowerCase(), channel_id: channel.id,
      channel_name: channel.name, user_id: user.id, user_name: user.name, command: cmd.command, text: cmd.text ?? '',
      api_app_id: 'A0NEWSDESK', is_enterprise_install: 'false', response_url: responseUrl,
      trigger_id: `${Date.now()}.${randomBytes(4).toString('hex')}`,
    };
    const via = cmd.via ?? (this.deps.socket.connected ? 'socket' : 'http');
    if (via === 'socket') return this.viaSocket('slash_commands', fields, id, responseUrl);
    const raw = new URLSearchParams(fields).toString();
    return this.viaHttp(raw, id, responseUrl, cmd.timestamp);
  }

  async clickButton(click: ButtonClick): Promise<Interaction> {
    const { team, user, channel, id, responseUrl } = this.context(click);
    const button = findButton(click);
    const payload = {
      type: 'block_actions', api_app_id: 'A0NEWSDESK', token: 'deprecated-verification-token',
      user: { id: user.id, username: user.name, name: user.name, team_id: team.id },
      team: { id: team.id, domain: team.id.toLowerCase() }, channel: { id: channel.id, name: channel.name },
      container: { type: 'message', message_ts: '1700000000.000100', channel_id: channel.id, is_ephemeral: click.isEphemeral ?? true },
      trigger_id: `${Date.now()}.${randomBytes(4).toString('hex')}`, response_url: responseUrl,
      actions: [{ type: 'button', action_id: button.actionId, block_id: 'b1', value: button.value, text: { type: 'plain_text', text: button.label }, action_ts: String(Date.now() / 1000) }],
    };
    const via = click.via ?? (this.deps.socket.connected ? 'socket' : 'http');
    if (via === 'socket') return this.viaSocket('interactive', payload, id, responseUrl);
    return this.viaHttp(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), id, responseUrl);
  }

  async postToApp(rawBody: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    const url = this.deps.appUrl();
    if (!url) throw new Error('set standIn.appUrl to the app’s /slack/events URL first');
    const res = await fetch(url, { method: 'POST', headers, body: rawBody, signal: AbortSignal.timeout(5_000) });
    return { status: res.status, body: await res.text() };
  }

  private async viaHttp(raw: string, id: string, responseUrl: string, timestamp?: number): Promise<Interaction> {
    const res = await this.postToApp(raw, signedHeaders(this.deps.signingSecret, raw, timestamp));
    let ack: Record<string, unknown> | null = null;
    if (res.body.trim()) {
      try {
        ack = JSON.parse(res.body) as Record<string, unknown>;
      } catch {
        ack = { text: res.body };
      }
    }
    return this.interaction(id, responseUrl, res.status, ack);
  }

  private async viaSocket(type: 'slash_commands' | 'interactive', payload: unknown, id: string, responseUrl: string): Promise<Interaction> {
    const ack = await this.deps.socket.send(type, payload);
    const body = ack.payload && typeof ack.payload === 'object' && Object.keys(ack.payload).length ? (ack.payload as Record<string, unknown>) : null;
    return this.interaction(id, responseUrl, 200, body);
  }

  private interaction(id: string, responseUrl: string, status: number, ack: Record<string, unknown> | null): Interaction {
    const responses = () => this.deps.responses.filter((r) => r.id === id);
    return {
      id, responseUrl, status, ack, responses,
      async waitForResponses(count, timeoutMs = 5_000) {
        const deadline = Date.now() + timeoutMs;
        while (responses().length < count) {
          if (Date.now() > deadline) throw new Error(`expected ${count} response_url posts for ${id}, got ${responses().length}`);
          await new Promise((r) => setTimeout(r, 10));
        }
        return responses();
      },
    };
  }
}

function findButton(click: ButtonClick): { actionId: string; value?: string; label: string } {
  if (click.actionId && !click.blocks) return { actionId: click.actionId, value: click.value, label: click.label ?? 'Button' };
  const blocks = Array.isArray(click.blocks) ? (click.blocks as Array<{ type: string; elements?: unknown[] }>) : [];
  for (const block of blocks) {
    if (block.type !== 'actions') continue;
    for (const el of (block.elements ?? []) as Array<{ action_id: string; value?: string; text: { text: string } }>) {
      if ((click.actionId && el.action_id === click.actionId) || (click.label && el.text.text === click.label)) {
        return { actionId: el.action_id, value: click.value ?? el.value, label: el.text.text };
      }
    }
  }
  throw new Error(`no button ${click.actionId ?? click.label} in the given blocks`);
}
