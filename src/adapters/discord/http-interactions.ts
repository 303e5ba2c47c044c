import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Routes, type REST } from 'discord.js';
import { z } from 'zod';
import { BodyTooLarge, readBody, sendJson, type HttpServer } from '../../server/http.js';
import type { Logger } from '../../log.js';
import type { CommandFacts, InteractionFacts, InteractionHandler, Responder } from './interactions.js';

/**
 * HTTP interactions mode: Discord POSTs each interaction to /discord/interactions. The Ed25519 signature of
 * `timestamp + raw body` is checked before anything is parsed; the first answer goes in the HTTP response.
 */
export const INTERACTIONS_PATH = '/discord/interactions';
const ED25519_DER_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const MAX_AGE_SECONDS = 5 * 60;
const MAX_BODY_BYTES = 1024 * 1024;
const EPHEMERAL = 64;

export function publicKeyFromHex(hex: string): KeyObject {
  return createPublicKey({ key: Buffer.concat([ED25519_DER_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
}

/**
 * What the headers alone can prove: both signature headers present, well-formed, and the timestamp fresh. The
 * timestamp is Discord's, set when it sent the request: it is compared with the real time of arrival (a replay window
 * between two machines' wall clocks), not with the application's injected Clock.
 */
export function signatureHeadersPlausible(signatureHex: string | undefined, timestamp: string | undefined, nowMs = Date.now()): boolean {
  if (!signatureHex || !timestamp || !/^[0-9a-f]{128}$/i.test(signatureHex) || !/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(nowMs / 1000 - Number(timestamp)) <= MAX_AGE_SECONDS;
}

export function verifyDiscordSignature(
  key: KeyObject, signatureHex: string | undefined, timestamp: string | undefined, rawBody: Buffer, nowMs = Date.now(),
): boolean {
  if (!signatureHeadersPlausible(signatureHex, timestamp, nowMs)) return false;
  return verify(null, Buffer.concat([Buffer.from(timestamp!, 'utf8'), rawBody]), key, Buffer.from(signatureHex!, 'hex'));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

const optionSchema: z.ZodType<RawOption> = z.lazy(() =>
  z.object({
    name: z.string(),
    type: z.number(),
    value: z.union([z.string(), z.number(), z.boolean()]).optional(),
    focused: z.boolean().optional(),
    options: z.array(optionSchema).optional(),
  }),
);
interface RawOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  focused?: boolean;
  options?: RawOption[];
}
const userSchema = z.object({ id: z.string(), username: z.string(), global_name: z.string().nullish() });
const interactionSchema = z.object({
  id: z.string(),
  type: z.number(),
  token: z.string(),
  guild_id: z.string().optional(),
  channel_id: z.string().optional(),
  channel: z.object({ id: z.string(), name: z.string().nullish() }).optional(),
  member: z.object({ user: userSchema, roles: z.array(z.string()), permissions: z.string().optional() }).optional(),
  user: userSchema.optional(),
  data: z
    .object({ name: z.string().optional(), custom_id: z.string().optional(), options: z.array(optionSchema).optional() })
    .optional(),
});
type RawInteraction = z.infer<typeof interactionSchema>;

function facts(i: RawInteraction): InteractionFacts {
  const user = i.member?.user ?? i.user;
  return {
    guildId: i.guild_id ?? null,
    channelId: i.channel_id ?? i.channel?.id ?? '',
    channelName: i.channel?.name ?? undefined,
    userId: user?.id ?? '',
    userName: user?.global_name ?? user?.username ?? 'someone',
    memberPermissions: i.guild_id && i.member?.permissions ? BigInt(i.member.permissions) : null,
    memberRoles: i.member?.roles ?? [],
  };
}

function commandFacts(i: RawInteraction): { facts: CommandFacts; focused?: RawOption } {
  const top = i.data?.options ?? [];
  const sub = top.find((o) => o.type === 1);
  const list = sub ? (sub.options ?? []) : top;
  const options: Record<string, unknown> = {};
  for (const o of list) options[o.name] = o.type === 7 ? `discord:${i.guild_id ?? 'dm'}/${String(o.value)}` : o.value;
  return {
    facts: { ...facts(i), command: i.data?.name ?? '', subcommand: sub?.name, options },
    focused: list.find((o) => o.focused),
  };
}

export interface HttpInteractionsOptions {
  http: HttpServer;
  publicKey: string;
  applicationId: string;
  /** Used for edits and follow-ups after the HTTP response (interaction webhooks need no bot token). */
  rest: REST;
  handler: InteractionHandler;
  logger: Logger;
}

export function mountHttpInteractions(opts: HttpInteractionsOptions): void {
  const key = publicKeyFromHex(opts.publicKey);
  opts.http.mount('POST', INTERACTIONS_PATH, async (req: IncomingMessage, res: ServerResponse) => {
    const sig = header(req, 'x-signature-ed25519');
    const ts = header(req, 'x-signature-timestamp');
    // Refused at the headers: a request that cannot be Discord's is never waited for.
    if (!signatureHeadersPlausible(sig, ts)) return sendJson(res, 401, { error: 'invalid request signature' });
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLarge) return sendJson(res, 413, { error: 'body too large' });
      throw err;
    }
    if (!verifyDiscordSignature(key, sig, ts, raw)) return sendJson(res, 401, { error: 'invalid request signature' });
    let parsed: RawInteraction;
    try {
      parsed = interactionSchema.parse(JSON.parse(raw.toString('utf8')));
    } catch {
      return sendJson(res, 400, { error: 'not an interaction' });
    }
    if (parsed.type === 1) return sendJson(res, 200, { type: 1 });

    let answer!: (body: unknown) => void;
    const first = new Promise<unknown>((resolve) => (answer = resolve));
    const responder = httpResponder(opts, parsed, answer);
    let work: Promise<void> | undefined;
    if (parsed.type === 2) work = opts.handler.command(commandFacts(parsed).facts, responder);
    else if (parsed.type === 4) {
      const { facts: f, focused } = commandFacts(parsed);
      work = opts.handler.autocomplete(f, focused?.name ?? '', String(focused?.value ?? ''), responder);
    } else if (parsed.type === 3 && parsed.data?.custom_id !== undefined) {
      work = opts.handler.button(facts(parsed), parsed.data.custom_id, responder);
    }
    if (!work) return sendJson(res, 400, { error: 'unsupported interaction type' });
    // If the flow ends without answering (it always should), Discord still gets a response.
    void work.finally(() => answer({ type: 4, data: { content: 'Sorry, something went wrong.', flags: EPHEMERAL, allowed_mentions: { parse: [] } } }));
    sendJson(res, 200, await first);
  });
}

function httpResponder(opts: HttpInteractionsOptions, i: RawInteraction, answer: (body: unknown) => void): Responder {
  let answered = false;
  const respond = async (body: unknown) => {
    if (answered) throw new Error('this interaction has already been answered');
    answered = true;
    answer(body);
  };
  const flags = (ephemeral: boolean) => (ephemeral ? { flags: EPHEMERAL } : {});
  const original = Routes.webhookMessage(opts.applicationId, i.token, '@original');
  return {
    reply: (m, ephemeral) => respond({ type: 4, data: { ...m, ...flags(ephemeral) } }),
    defer: (ephemeral) => respond({ type: 5, data: flags(ephemeral) }),
    update: (m) => respond({ type: 7, data: m }),
    deferUpdate: () => respond({ type: 6 }),
    choices: (choices) => respond({ type: 8, data: { choices } }),
    editOriginal: async (m) => void (await opts.rest.patch(original, { body: m, auth: false })),
    deleteOriginal: async () => void (await opts.rest.delete(original, { auth: false })),
    followUp: async (m, ephemeral) =>
      void (await opts.rest.post(Routes.webhook(opts.applicationId, i.token), { body: { ...m, ...flags(ephemeral) }, auth: false })),
  };
}
