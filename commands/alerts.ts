import { z } from 'zod';
import { resolveArticle } from './resolve-article.js';
import { defineCommand, type CommandContext, type OptionMap, type SubcommandInput, type SubcommandMap } from '../src/core/command.js';
import { assertNever } from '../src/core/assert-never.js';
import { UserError } from '../src/core/errors.js';
import { answer, type Card, type Reply } from '../src/core/reply.js';
import { clip } from '../src/core/text.js';
import { describeFeeds, describeSubscription } from '../src/alerts/describe.js';
import { scopeOf } from '../src/alerts/index.js';
import { formatClockMinutes, isValidTimeZone, parseClock } from '../src/alerts/quiet-hours.js';
import type { Actor, ScopeStop } from '../src/domain/subscription.js';
import { formatWhen } from '../src/alerts/why.js';
import type { AlertsService } from '../src/core/alerts-service.js';
import { describeDays, describeNextRun, parseDays } from '../src/alerts/briefing-schedule.js';
import { parsePress } from '../src/alerts/approvals.js';

/** Feeds per page of /alerts sources: one card's worth of fields on every platform. */
const SOURCES_PAGE_SIZE = 15;
const MAX_SOURCES_PAGE = 1000;
/**
 * A page of /alerts list: at most 9 cards (Discord: 10 embeds a message) and about 4,000 characters of card text
 * (Discord: 6,000 in all, escaping may add some), which keeps Slack under 50 blocks (a card is 3 or 4).
 */
const LIST_PAGE_CARDS = 9;
const LIST_PAGE_CHARS = 4_000;
const MAX_LIST_PAGE = 1000;

const priorityChoices = [
  { name: 'breaking only', value: 'breaking' },
  { name: 'urgent and breaking', value: 'urgent' },
  { name: 'everything (routine too)', value: 'routine' },
] as const;

const idOption = (what: string) => ({
  kind: 'string' as const, description: `Subscription id (${what}; /alerts list shows them)`, rest: true, autocomplete: 'subscriptions' as const, maxLength: 20, example: 'k7m2p',
});
const idSchema = z.string().trim().min(1).max(20).transform((s) => s.toLowerCase());
const listSchema = z.string().max(300).transform((s) => s.split(',').map((w) => w.trim().toLowerCase()).filter(Boolean)).refine((l) => l.length <= 20, 'at most 20 entries');
const yesNo = z.union([z.boolean(), z.enum(['yes', 'no', 'true', 'false', 'on', 'off'])]).transform((v) => v === true || v === 'yes' || v === 'true' || v === 'on');
const clockSchema = z.string().trim().refine((v) => parseClock(v) !== null, 'a time like 22:00').transform((v) => formatClockMinutes(parseClock(v)!));

const subscribeOptions: OptionMap = {
  channel: { kind: 'channel', description: 'Channel to post alerts in (default: this one); Slack: or a message link, for its thread', rest: true, example: '#breaking', threadLinks: true },
  min_priority: { kind: 'string', description: 'Lowest priority to alert', choices: priorityChoices },
  sections: { kind: 'string', description: 'Only these sections, comma-separated', example: 'world,politics', maxLength: 300 },
  keywords: { kind: 'string', description: 'Only stories mentioning one of these, comma-separated', example: 'modi,election', maxLength: 300 },
  mention: { kind: 'role', description: 'Who to ping on breaking alerts: a role (Discord) or here (Slack)', example: 'here' },
  threads: { kind: 'boolean', description: 'Post story updates as thread replies too', example: 'yes' },
  publish: { kind: 'boolean', description: 'Announcement channels: also publish breaking alerts to following servers', example: 'yes' },
  approval: { kind: 'channel', description: 'Editors approve each alert in this channel before it goes out', example: '#editors' },
};

const subcommands = {
  subscribe: {
    description: 'Send alerts to a channel',
    options: subscribeOptions,
    schema: z.object({
      channel: z.string().optional(),
      min_priority: z.enum(['breaking', 'urgent', 'routine']).default('breaking'),
      sections: listSchema.optional(),
      keywords: listSchema.optional(),
      mention: z.string().trim().max(40).optional(),
      threads: yesNo.optional(),
      publish: yesNo.optional(),
      approval: z.string().optional(),
    }),
  },
  briefing: {
    description: 'Post a briefing of top stories in a channel at the same time every day',
    options: {
      channel: { kind: 'channel', description: 'Channel to post the briefing in (default: this one)', rest: true, example: '#morning' },
      at: { kind: 'string', description: 'Local time of day, HH:MM (required)', example: '07:30', maxLength: 20 },
      tz: { kind: 'string', description: 'IANA time zone (default: the newsroom\'s)', example: 'Europe/London', maxLength: 64 },
      sections: { kind: 'string', description: 'Only these sections, comma-separated', example: 'world,politics', maxLength: 300 },
      days: { kind: 'string', description: 'daily, mon-fri, sat,sun or a list of mon…sun (default: daily)', example: 'mon-fri', maxLength: 60 },
    },
    schema: z.object({
      channel: z.string().optional(),
      at: z.string().trim().max(20).optional(),
      tz: z.string().trim().max(64).optional(),
      sections: listSchema.optional(),
      days: z.string().trim().max(60).optional(),
    }),
  },
  list: {
    description: "This server's or workspace's alert subscriptions and briefings, with their health, a page at a time",
    options: { page: { kind: 'integer', description: 'Page of subscriptions', minValue: 1, maxValue: MAX_LIST_PAGE, example: '2' } },
    schema: z.object({ page: z.coerce.number().int().min(1).max(MAX_LIST_PAGE).default(1) }),
  },
  remove: { description: 'Stop and delete a subscription', options: { id: idOption('to remove') }, schema: z.object({ id: idSchema }) },
  pause: { description: 'Stop alerts for a while', options: { id: idOption('to pause') }, schema: z.object({ id: idSchema }) },
  resume: { description: 'Start a paused subscription again', options: { id: idOption('to resume') }, schema: z.object({ id: idSchema }) },
  quiet: {
    description: 'Quiet hours: only breaking alerts; the rest arrive as one message when they end',
    options: {
      id: idOption('to set quiet hours for'),
      from: { kind: 'string', description: 'Start, local time', example: '22:00', maxLength: 5 },
      to: { kind: 'string', description: 'End, local time', example: '07:00', maxLength: 5 },
      tz: { kind: 'string', description: 'IANA time zone', example: 'Europe/London', maxLength: 64 },
      off: { kind: 'boolean', description: 'Turn quiet hours off', example: 'yes' },
    },
    schema: z.object({ id: z.string().trim().min(1).max(30), from: clockSchema.optional(), to: clockSchema.optional(), tz: z.string().trim().max(64).optional(), off: yesNo.optional() }),
  },
  mention: {
    description: 'Ping a role (or Slack @here / a user group) on the alerts that match a rule',
    options: {
      id: idOption('to add a mention rule to'),
      mention: { kind: 'role', description: 'Who to ping: a role (Discord), here or a user group (Slack)', example: '@Elections' },
      if: { kind: 'string', description: 'Which alerts: section=… and/or keywords=…, comma-separated', example: 'section=politics', maxLength: 300 },
      min_priority: { kind: 'string', description: 'Lowest priority pinged', choices: priorityChoices },
      clear: { kind: 'boolean', description: 'Remove every mention rule of the subscription', example: 'yes' },
    },
    schema: z.object({
      id: z.string().trim().min(1).max(30), mention: z.string().trim().max(60).optional(), if: z.string().trim().max(300).optional(),
      min_priority: z.enum(['breaking', 'urgent', 'routine']).optional(), clear: yesNo.optional(),
    }),
  },
  test: { description: 'Post a sample alert marked TEST', options: { id: idOption('to test') }, schema: z.object({ id: idSchema.optional() }) },
  why: {
    description: 'Why an article was or was not alerted in this channel',
    options: { article: { kind: 'string', description: 'Article id, link or headline words', rest: true, autocomplete: 'articles', maxLength: 500 } },
    schema: z.object({ article: z.string().trim().min(1).max(500) }),
  },
  stop: {
    description: 'Stop every alert here at once (deletes still run) until /alerts start',
    options: { reason: { kind: 'string', description: 'Why (shown in /alerts list)', rest: true, maxLength: 200 } },
    schema: z.object({ reason: z.string().trim().max(200, 'a reason of at most 200 characters').optional() }),
  },
  start: { description: 'Resume alerts after /alerts stop', options: {}, schema: z.object({}) },
  recall: {
    description: 'Delete a story\'s alerts from every channel here (and stop any more)',
    options: {
      reason: { kind: 'string', description: 'Why (required; kept in the audit log)', example: '"wrong casualty figures"', maxLength: 200 },
      article: { kind: 'string', description: 'Article id, link or headline words', rest: true, autocomplete: 'articles', maxLength: 500 },
    },
    schema: z.object({
      article: z.string().trim().min(1, 'name the article: its id, link or headline words').max(500),
      reason: z.string({ error: 'give a reason, e.g. reason:"wrong casualty figures"' }).trim().min(1, 'give a reason, e.g. reason:"wrong casualty figures"').max(200, 'a reason of at most 200 characters'),
    }),
  },
  ops: {
    description: 'Name the channel where Newsdesk tells admins about trouble (off: nowhere)',
    options: {
      channel: { kind: 'channel', description: 'Operations channel (default: this one), or off', rest: true, example: '#newsroom-ops', words: ['off'] },
      off: { kind: 'boolean', description: 'Stop operations notices', example: 'yes' },
    },
    schema: z.object({ channel: z.string().optional(), off: yesNo.optional() }),
  },
  sources: {
    description: 'Health of the polled feeds, a page at a time',
    options: { page: { kind: 'integer', description: 'Page of feeds', minValue: 1, maxValue: MAX_SOURCES_PAGE, example: '2' } },
    schema: z.object({ page: z.coerce.number().int().min(1).max(MAX_SOURCES_PAGE).default(1) }),
  },
} satisfies SubcommandMap;

type AlertsInput = SubcommandInput<typeof subcommands>;
type InputOf<K extends AlertsInput['subcommand']> = Extract<AlertsInput, { subcommand: K }>;

export const alerts = defineCommand({
  name: 'alerts',
  description: 'Breaking-news alerts for channels (admins only)',
  permission: 'admin',
  subcommands,
  examples: [
    '/alerts subscribe #breaking min_priority:urgent sections:world,politics mention:here',
    '/alerts quiet k7m2p from:22:00 to:07:00 tz:Europe/London',
    '/alerts briefing #morning at:07:30 tz:Europe/London sections:world,politics days:mon-fri',
    '/alerts why 000_3374571737b0a5b7',
  ],
  // Buttons: the pages of /alerts list (`alerts:list:<page>`) and of /alerts sources (`alerts:sources:<page>`), and an approval preview's Approve, Hold, Reject
  // and labels (`alerts:approve:<preview id>`, `alerts:label:<preview id>:<label>`), answered privately to the presser.
  // The dispatcher lets only admins press them (Discord: Manage Server or DISCORD_EDITOR_ROLE_IDS; Slack: workspace
  // admins or SLACK_ADMIN_USER_IDS; terminal: :as admin).
  refuseAction: (action) => parsePress(action)
    ? 'Only editors can decide on alerts (server or workspace admins, or the editor role). Nothing changed.'
    : undefined,
  async onAction(ctx, action) {
    const press = parsePress(action);
    if (press) {
      const service = ctx.services.alerts;
      if (!service?.press) throw new UserError('Approvals are not running on this bot.');
      return done(await service.press(scopeOf(ctx.invocation), actorOf(ctx), press));
    }
    const listPage = /^alerts:list:(\d{1,4})$/.exec(action);
    if (listPage) {
      const service = ctx.services.alerts;
      if (!service) throw new UserError('Alerts are not running on this bot.');
      return handlers.list(ctx, service, actorOf(ctx), { subcommand: 'list', page: Math.min(Number(listPage[1]), MAX_LIST_PAGE) });
    }
    const page = /^alerts:sources:(\d{1,4})$/.exec(action);
    if (!page) throw new UserError('This button has expired. Run /alerts sources again.');
    return sourcesPage(ctx, Math.min(Number(page[1]), MAX_SOURCES_PAGE));
  },
  run: (ctx, input) => {
    const service = ctx.services.alerts;
    if (!service) throw new UserError('Alerts are not running on this bot.');
    const actor = actorOf(ctx);
    switch (input.subcommand) {
      case 'subscribe': return handlers.subscribe(ctx, service, actor, input);
      case 'briefing': return handlers.briefing(ctx, service, actor, input);
      case 'list': return handlers.list(ctx, service, actor, input);
      case 'mention': return handlers.mention(ctx, service, actor, input);
      case 'remove': return handlers.remove(ctx, service, actor, input);
      case 'pause': return handlers.pause(ctx, service, actor, input);
      case 'resume': return handlers.resume(ctx, service, actor, input);
      case 'quiet': return handlers.quiet(ctx, service, actor, input);
      case 'test': return handlers.test(ctx, service, actor, input);
      case 'why': return handlers.why(ctx, service, actor, input);
      case 'sources': return handlers.sources(ctx, service, actor, input);
      case 'stop': return handlers.stop(ctx, service, actor, input);
      case 'start': return handlers.start(ctx, service, actor, input);
      case 'recall': return handlers.recall(ctx, service, actor, input);
      case 'ops': return handlers.ops(ctx, service, actor, input);
      default: return assertNever(input);
    }
  },
});

/** One handler per subcommand, each given that subcommand's parsed input. */
type Handlers = {
  [K in AlertsInput['subcommand']]: (ctx: CommandContext, service: AlertsService, actor: Actor, input: InputOf<K>) => Promise<Reply>;
};

const done = (text: string) => answer({ text });

/** Who acts, as the audit log and the stores record it. */
function actorOf(ctx: CommandContext): Actor {
  const inv = ctx.invocation;
  return { id: inv.user.id, name: inv.user.name, platform: inv.platform, workspace: inv.workspace };
}

const handlers: Handlers = {
  async subscribe(ctx, service, actor, input) {
    const inv = ctx.invocation;
    // A message link (Slack) arrives as a message reference: alerts go into that message's thread.
    const [channel, threadTs] = (input.channel ?? inv.channel).split('#') as [string, string | undefined];
    const mention = parseMention(inv.platform, input.mention);
    const sub = await service.subscribe(
      {
        platform: inv.platform, workspace: inv.workspace, channel, channelName: channel === inv.channel ? inv.channelName : null, ...(threadTs ? { threadTs } : {}),
        minPriority: input.min_priority, sections: input.sections, keywords: input.keywords, threads: input.threads, publish: input.publish, ...mention,
        ...(input.approval ? { approvalChannel: input.approval, approvalChannelName: input.approval === inv.channel ? inv.channelName : null } : {}),
      },
      actor,
    );
    return answer({ text: `Subscribed (id ${sub.id}). Try /alerts test ${sub.id}.`, cards: [describeSubscription(sub, null, ctx.now())] });
  },

  async briefing(ctx, service, actor, input) {
    const inv = ctx.invocation;
    // Every answer names what was wrong; nothing is written until all of it reads.
    if (!input.at) throw new UserError('Say when: at:07:30 (local time, HH:MM), e.g. /alerts briefing #morning at:07:30 days:mon-fri');
    const minutes = parseClock(input.at);
    if (minutes === null) throw new UserError(`at: "${clip(input.at, 20)}" is not a time of day. Use HH:MM from 00:00 to 23:59, e.g. at:07:30.`);
    const tz = input.tz ?? service.timeZone;
    if (!isValidTimeZone(tz)) throw new UserError(`Unknown time zone "${clip(tz, 40)}". Use an IANA name such as Europe/London or America/New_York.`);
    const days = parseDays(input.days ?? 'daily');
    if (!days) throw new UserError(`days: "${clip(input.days ?? '', 40)}" is not daily, mon-fri, sat,sun or a list of mon…sun (e.g. days:mon,wed,fri).`);
    const channel = input.channel ?? inv.channel;
    const schedule = { at: formatClockMinutes(minutes), tz, days };
    const { subscription: sub } = await service.briefing({
      platform: inv.platform, workspace: inv.workspace, channel, channelName: channel === inv.channel ? inv.channelName : null,
      schedule, sections: input.sections ?? [],
    }, actor);
    const where = sub.sections.length ? `, sections ${sub.sections.join(', ')}` : '';
    return answer({
      text: `Briefing scheduled (id ${sub.id}): ${schedule.at} ${tz} ${describeDays(days)} in ${channelLabel(sub)}${where}; ${describeNextRun(schedule, ctx.now().getTime())}. /alerts test ${sub.id} posts it now.`,
      cards: [describeSubscription(sub, null, ctx.now())],
    });
  },

  async list(ctx, service, _actor, input) {
    const scope = scopeOf(ctx.invocation);
    const subs = await service.list(scope);
    // The stop comes first: it overrides everything listed below it.
    const stop = await service.stopState(scope);
    const state = stop ? `${stoppedLine(stop, service.timeZone, ctx.now())} /alerts start resumes.` : '';
    const ops = await opsLine(service, scope);
    const lines = (first: string) => [state, first, ops].filter(Boolean).join('\n');
    if (subs.length === 0) return done(lines('No alert subscriptions yet. Start one with /alerts subscribe #channel.'));
    const briefings = subs.filter((s) => s.briefing).length;
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    const counted = briefings ? `${plural(subs.length - briefings, 'alert subscription')} and ${plural(briefings, 'briefing')}` : plural(subs.length, 'alert subscription');
    const pages = listPages(subs.map((s) => describeSubscription(s, s.health, ctx.now())));
    if (input.page > pages.length) return done(`There ${pages.length === 1 ? 'is only 1 page' : `are only ${pages.length} pages`} of subscriptions (${counted}).`);
    const shown = pages[input.page - 1];
    if (pages.length === 1) return answer({ text: lines(`${counted}:`), cards: shown });
    const first = pages.slice(0, input.page - 1).reduce((n, p) => n + p.length, 0);
    const reply = answer({
      text: lines(`${counted}, ${first + 1}–${first + shown.length} here (page ${input.page} of ${pages.length}${input.page < pages.length ? `: More, or /alerts list page:${input.page + 1}` : ''}):`),
      cards: shown,
    });
    reply.buttons = [
      ...(input.page > 1 ? [{ label: 'Previous', action: `alerts:list:${input.page - 1}`, style: 'secondary' as const }] : []),
      ...(input.page < pages.length ? [{ label: 'More', action: `alerts:list:${input.page + 1}`, style: 'secondary' as const }] : []),
    ];
    return reply;
  },

  async stop(ctx, service, actor, input) {
    const { changed, stop } = await service.stop(scopeOf(ctx.invocation), actor, input.reason || null);
    if (!changed) return done(`Already stopped: ${lowerFirst(stoppedLine(stop, service.timeZone, ctx.now()))} Nothing changed. /alerts start resumes.`);
    return done(`Stopped: no alert, update or thread reply leaves for this ${ctx.invocation.platform === 'slack' ? 'workspace' : 'server'} until /alerts start (one already in flight may finish).`);
  },

  async recall(ctx, service, actor, input) {
    const article = await articleFor(ctx, input.article);
    const { already, channels, messages } = await service.recall(scopeOf(ctx.invocation), article.id, input.reason, actor);
    if (already) {
      const when = formatWhen(already.at, ctx.now(), service.timeZone);
      return done(already.kind === 'kill'
        ? `“${clip(article.title, 80)}” was killed by the newsroom at ${when}; its alerts are deleted everywhere. Nothing repeated.`
        : `“${clip(article.title, 80)}” was already recalled here by ${already.by.name} at ${when} (${clip(already.reason, 100)}). Nothing repeated. /alerts why ${article.id} shows each channel.`);
    }
    return done(`Recalling “${clip(article.title, 80)}” from ${channels} ${channels === 1 ? 'channel' : 'channels'} (${messages} ${messages === 1 ? 'message' : 'messages'}). /alerts why ${article.id} shows each channel.`);
  },

  async start(ctx, service, actor) {
    const { stop, grouped, channels } = await service.start(scopeOf(ctx.invocation), actor);
    if (!stop) return done('Alerts are running here (not stopped). Nothing changed.');
    const held = grouped > 0 ? ` ${grouped} ${grouped === 1 ? 'story' : 'stories'} held over 30 minutes go out as one "While stopped" message in ${channels} ${channels === 1 ? 'channel' : 'channels'}; newer ones go out as usual.` : '';
    return done(`Started again: alerts flow here.${held}`);
  },

  async remove(ctx, service, actor, input) {
    const sub = await service.remove(scopeOf(ctx.invocation), input.id, actor);
    return done(`Removed ${sub.id}: no more ${sub.briefing ? 'briefings' : 'alerts'} to ${channelLabel(sub)}.`);
  },
  async pause(ctx, service, actor, input) {
    const sub = await service.pause(scopeOf(ctx.invocation), input.id, actor);
    return done(`Paused ${sub.id} (${channelLabel(sub)}). /alerts resume ${sub.id} starts it again.`);
  },
  async resume(ctx, service, actor, input) {
    const sub = await service.resume(scopeOf(ctx.invocation), input.id, actor);
    if (sub.briefing) return done(`Resumed ${sub.id}: the briefing posts in ${channelLabel(sub)} again; ${describeNextRun(sub.briefing, ctx.now().getTime())}.`);
    return done(`Resumed ${sub.id}: alerts flow to ${channelLabel(sub)} again.`);
  },

  async mention(ctx, service, actor, input) {
    const scope = scopeOf(ctx.invocation);
    const id = String(input.id).toLowerCase().split(/\s+/)[0];
    if (input.clear) {
      const sub = await service.setMentionRules(scope, id, [], actor);
      return done(`Mention rules cleared for ${sub.id}.`);
    }
    if (!input.mention) throw new UserError(`Say who to ping, e.g. /alerts mention ${id} mention:@Elections if:section=politics`);
    const current = await service.get(scope, id);
    if (!current) throw new UserError(`No subscription ${clip(id, 20)} here. /alerts list shows them.`);
    if (current.briefing) throw new UserError(`${current.id} is a briefing: it pings nobody. Mention rules are for alert subscriptions.`);
    const rules = current.mentionRules ?? [];
    if (rules.length >= MAX_MENTION_RULES) throw new UserError(`A subscription has at most ${MAX_MENTION_RULES} mention rules; clear:yes removes them.`);
    const rule = { mention: parseRuleMention(ctx.invocation.platform, input.mention), ...parseRuleFilter(input.if), minPriority: input.min_priority ?? null };
    const sub = await service.setMentionRules(scope, id, [...rules, rule], actor);
    return answer({ text: `Mention rule added to ${sub.id} (at most 3 pings an alert; never on digests or updates).`, cards: [describeSubscription(sub, null, ctx.now())] });
  },

  async quiet(ctx, service, actor, input) {
    // "/alerts quiet k7m2p off" arrives as id "k7m2p off" from a text line.
    const [id, word] = String(input.id).toLowerCase().split(/\s+/);
    const off = input.off === true || word === 'off';
    if (word && word !== 'off') throw new UserError(`I did not understand "${clip(word, 20)}". Example: /alerts quiet ${id} from:22:00 to:07:00 tz:Europe/London`);
    const scope = scopeOf(ctx.invocation);
    if (off) {
      const sub = await service.setQuiet(scope, id, null, actor);
      return done(`Quiet hours off for ${sub.id}. Anything held goes out now.`);
    }
    if (!input.from || !input.to) throw new UserError('Give both from: and to:, e.g. from:22:00 to:07:00 tz:Europe/London (or off).');
    if (input.from === input.to) throw new UserError('from: and to: must differ.');
    const current = await service.get(scope, id);
    if (current?.briefing) throw new UserError(`${current.id} is a briefing: it posts at its own time (${current.briefing.at}), so quiet hours do not apply.`);
    const tz = input.tz ?? current?.tz ?? 'UTC';
    if (!isValidTimeZone(tz)) throw new UserError(`Unknown time zone "${clip(tz, 40)}". Use an IANA name such as Europe/London or America/New_York.`);
    const sub = await service.setQuiet(scope, id, { from: input.from, to: input.to, tz }, actor);
    return done(`Quiet hours for ${sub.id}: ${input.from}–${input.to} (${tz}). Only breaking alerts then; the rest arrive as one "While you were away" message at ${input.to}.`);
  },

  async test(ctx, service, actor, input) {
    const scope = scopeOf(ctx.invocation);
    let id: string | undefined = input.id;
    if (!id) {
      const here = (await service.list(scope)).filter((s) => s.channel === ctx.invocation.channel);
      if (here.length !== 1) throw new UserError(here.length ? 'This channel has several subscriptions: name one, e.g. /alerts test k7m2p.' : 'No subscription in this channel. Name one: /alerts test k7m2p.');
      id = here[0].id;
    }
    const outcome = await service.test(scope, id, actor);
    const what = (await service.get(scope, id))?.briefing ? 'briefing' : 'alert';
    if (outcome.state === 'sent') return done(`TEST ${what} posted for ${id}.`);
    if (outcome.state === 'pending') return done(`TEST ${what} for ${id} is ${outcome.detail}.`);
    return done(`TEST ${what} for ${id} ${outcome.state}: ${outcome.detail}`);
  },

  async why(ctx, service, _actor, input) {
    const article = await articleFor(ctx, input.article);
    const lines = await service.why(scopeOf(ctx.invocation), ctx.invocation.channel, article.id);
    if (lines.length === 0) return done(`No alert subscriptions here, so "${clip(article.title, 80)}" was not alerted anywhere.`);
    const elsewhere = lines.every((l) => l.subscription.channel !== ctx.invocation.channel) ? ' (no subscription in this channel; showing all of them)' : '';
    return answer({
      text: `Why “${clip(article.title, 100)}” (${article.priority}, ${article.section || 'no section'})${elsewhere}:`,
      cards: [{ fields: lines.slice(0, 25).map((l) => ({ name: `${l.delivered ? '✓' : '✗'} ${l.subscription.id} · ${channelLabel(l.subscription)}`, value: l.explanation })) }],
    });
  },

  async sources(ctx, _service, _actor, input) {
    return sourcesPage(ctx, input.page ?? 1);
  },

  async ops(ctx, service, actor, input) {
    if (!service.ops) throw new UserError('Operations notices are not running on this bot.');
    const inv = ctx.invocation;
    const scope = scopeOf(inv);
    if (input.off === true || input.channel?.trim().toLowerCase() === 'off') {
      await service.ops.setChannel(scope, null, actor);
      return done('Operations notices are off: trouble shows only in /alerts list. /alerts ops #channel turns them on.');
    }
    const channel = input.channel ?? inv.channel;
    const set = await service.ops.setChannel(scope, { channel, channelName: channel === inv.channel ? inv.channelName ?? null : null }, actor);
    return done(`Operations notices go to ${channelLabel({ channel, channelName: set?.channelName ?? null })}: a paused subscription, a failing feed or a refused token is said there once, and again when it is fixed.`);
  },
};

/** One page of feed health; a More button (and the page: option) reaches every feed. */
async function sourcesPage(ctx: CommandContext, page: number): Promise<Reply> {
  const feeds = ctx.services.feeds;
  if (!feeds) return done('Feed polling is not running on this bot (no feeds configured).');
  const all = feeds.health();
  const pages = Math.max(1, Math.ceil(all.length / SOURCES_PAGE_SIZE));
  if (page > pages) return done(`There are only ${pages} page${pages === 1 ? '' : 's'} of feeds (${all.length} feeds).`);
  const first = (page - 1) * SOURCES_PAGE_SIZE;
  const shown = all.slice(first, first + SOURCES_PAGE_SIZE);
  const card = describeFeeds(shown, ctx.now());
  if (all.length === 0) return answer({ cards: [card] });
  const reply = answer({
    cards: [{
      ...card,
      title: pages === 1 ? `Feeds (${all.length})` : `Feeds ${first + 1}–${first + shown.length} of ${all.length}`,
      footer: page < pages ? `Page ${page} of ${pages}: More, or /alerts sources page:${page + 1}` : pages > 1 ? `Page ${page} of ${pages}` : undefined,
    }],
  });
  if (page < pages) reply.buttons = [{ label: 'More', action: `alerts:sources:${page + 1}`, style: 'secondary' }];
  return reply;
}

/**
 * /alerts list's pages: every subscription's card, in order, as many to a page as fit one message on every platform
 * (LIST_PAGE_CARDS, LIST_PAGE_CHARS); a card longer than a page alone is a page alone (the renderers cut it).
 */
export function listPages(cards: Card[]): Card[][] {
  const pages: Card[][] = [];
  let page: Card[] = [];
  let chars = 0;
  for (const card of cards) {
    const size = cardChars(card);
    if (page.length > 0 && (page.length >= LIST_PAGE_CARDS || chars + size > LIST_PAGE_CHARS)) {
      pages.push(page);
      page = [];
      chars = 0;
    }
    page.push(card);
    chars += size;
  }
  if (page.length) pages.push(page);
  return pages;
}

function cardChars(card: Card): number {
  return (card.badge?.length ?? 0) + (card.title?.length ?? 0) + (card.text?.length ?? 0) + (card.footer?.length ?? 0)
    + (card.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
}

/** Where trouble is said, for /alerts list (with the problems open now). */
async function opsLine(service: AlertsService, scope: ReturnType<typeof scopeOf>): Promise<string> {
  if (!service.ops) return '';
  const [ops, problems] = await Promise.all([service.ops.channel(scope), service.ops.problems(scope)]);
  const where = ops
    ? `Operations notices: ${channelLabel(ops)} (set by ${ops.setByName}).`
    : 'Operations notices: none (/alerts ops #channel names where trouble is said).';
  return problems.length ? `${where} Open: ${problems.map((p) => clip(p.detail, 200)).join(' ')}` : where;
}

function channelLabel(sub: { channel: string; channelName: string | null }): string {
  return `#${sub.channelName ?? sub.channel.split('/').pop()!.replace(/^terminal:/, '')}`;
}

/** Mentions are an admin's explicit choice: a role on Discord, @here on Slack. Never @everyone. */
function parseMention(platform: string, raw: string | undefined): { mentionRoleId?: string; mentionHere?: boolean } {
  if (!raw) return {};
  const v = raw.trim().toLowerCase();
  if (/^(@|<!)?(everyone|channel)>?$/.test(v)) throw new UserError('Alerts never ping everyone. Use a role (Discord) or here (Slack).');
  if (platform === 'discord') {
    const id = /^<@&(\d{5,25})>$|^(\d{5,25})$/.exec(v);
    if (!id) throw new UserError('mention: expected a role, like @Breaking.');
    return { mentionRoleId: id[1] ?? id[2] };
  }
  if (/^(@|<!)?here>?$/.test(v)) return { mentionHere: true };
  throw new UserError(platform === 'slack' ? 'mention: on Slack only here is supported (@here on breaking alerts).' : 'mention: only here is supported in this channel.');
}

const MAX_MENTION_RULES = 10;

/** A mention rule's target: a Discord role id, or on Slack `here` or a user group id. Never everyone. */
function parseRuleMention(platform: string, raw: string): string {
  const v = raw.trim();
  if (platform === 'slack') {
    if (/^(@|<!)?here>?$/i.test(v)) return 'here';
    const group = /^<!subteam\^(S[A-Z0-9]{2,20})(?:\|[^>]*)?>$|^(S[A-Z0-9]{2,20})$/.exec(v);
    if (group) return group[1] ?? group[2];
    if (/^(@|<!)?(everyone|channel)>?$/i.test(v)) throw new UserError('Alerts never ping everyone. Use here or a user group.');
    throw new UserError('mention: on Slack, here or a user group (@group).');
  }
  const { mentionRoleId } = parseMention(platform, v);
  if (!mentionRoleId) throw new UserError('mention: expected a role, like @Elections.');
  return mentionRoleId;
}

/** `section=politics`, `keywords=shares,rates`, or both separated by spaces or `;`. */
function parseRuleFilter(raw: string | undefined): { sections: string[]; keywords: string[] } {
  const out = { sections: [] as string[], keywords: [] as string[] };
  for (const part of (raw ?? '').split(/[;\s]+(?=\w+=)/).map((p) => p.trim()).filter(Boolean)) {
    const m = /^(sections?|keywords?)=(.+)$/i.exec(part);
    if (!m) throw new UserError(`if: expected section=… or keywords=…, not "${clip(part, 40)}".`);
    const list = m[2].split(',').map((w) => w.trim().toLowerCase()).filter(Boolean).slice(0, 20);
    if (m[1].toLowerCase().startsWith('section')) out.sections.push(...list);
    else out.keywords.push(...list);
  }
  return out;
}

/** Id, then link, then the best headline match. */
async function articleFor(ctx: CommandContext, ref: string) {
  // Admins may name a held (embargoed) story by id or link: /alerts why says when it goes out.
  const found = await resolveArticle(ctx, ref, 0, { includeHidden: true });
  if (!found) throw new UserError(`No article matches “${clip(ref, 60)}”. Try /news to find its id.`);
  return found.article;
}

/** "Stopped since 14:05 by Ada: <reason>." */
function stoppedLine(stop: ScopeStop, timeZone: string, now: Date): string {
  return `Stopped since ${formatWhen(Date.parse(stop.stoppedAt), now, timeZone)} by ${stop.by.name}${stop.reason ? `: ${clip(stop.reason, 200)}` : ''}.`;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
