import type { ChannelNeeds } from '../outbound/port.js';
import { UserError } from '../core/errors.js';
import { parseChannelRef } from '../domain/channel.js';
import type { Store } from '../store/types.js';
import type { AlertDispatcher } from './dispatcher.js';
import { newDeliveryId } from './fanout.js';
import type { AlertArticle } from './render.js';
import { PRIORITY_RANK } from '../domain/article.js';
import { type Actor, type QuietHours, type Scope, type ScopeStop, type Subscription } from '../domain/subscription.js';
import { MAX_BRIEFINGS_PER_SCOPE, type AlertsService, type TestOutcome } from '../core/alerts-service.js';
import { isBriefing, missedRuns, resumeRuns, writeNextRun } from './briefings.js';
import { explainDelivery } from './why.js';
import { cannotPost } from './describe.js';
import type { PortRegistry } from '../outbound/registry.js';
import type { Approvals } from './approvals.js';

export interface ServiceDeps {
  store: Store;
  ports: PortRegistry;
  dispatcher: AlertDispatcher;
  timeZone: string;
  now: () => Date;
  /** Editor approval: presses on previews. */
  approvals?: Pick<Approvals, 'press'>;
}

const TEST_WAIT_MS = 8_000;
/** After /alerts start, alerts held longer than this go out grouped in one message per channel. */
const STOP_GROUP_MS = 30 * 60_000;

/** What a TEST alert shows: plainly a test, with nothing an admin could mistake for news. */
function sampleArticle(at: Date): AlertArticle {
  return {
    id: 'test', url: null, title: 'Test alert from Newsdesk', dek: 'If you can read this, breaking-news alerts reach this channel.',
    body: '', section: 'test', source: 'Newsdesk', publishedAt: at.toISOString(), updatedAt: at.toISOString(),
    priority: 'breaking', status: 'published', imageUrl: null, version: 1,
  };
}

export function createAlertsService(deps: ServiceDeps): AlertsService {
  const { store } = deps;
  const { subscriptions, outbox, audit, stories } = store;

  async function mustFind(scope: Scope, id: string): Promise<Subscription> {
    const sub = await subscriptions.find(scope, id);
    if (!sub) throw new UserError(`No subscription "${id.slice(0, 20)}" here. /alerts list shows the ids.`);
    return sub;
  }

  /** A change and its audit entry commit together: no unaudited change, no audit of a change that failed. */
  function change(scope: Scope, id: string, actor: Actor, action: string, detail: Record<string, unknown>, apply: (sub: Subscription) => Promise<unknown>): Promise<Subscription> {
    return store.transaction(async () => {
      const sub = await mustFind(scope, id);
      await apply(sub);
      await audit.append(deps.now(), actor, scope, action, sub.id, detail);
      return (await subscriptions.get(sub.id))!;
    });
  }

  /** The bot can post there (as /alerts subscribe checks), or a UserError saying what is missing. */
  async function checkTarget(platform: Subscription['platform'], channel: string, again: string, needs: ChannelNeeds = {}) {
    const port = deps.ports.get(platform);
    if (!port) throw new UserError(`${platform} is not connected right now, so I cannot post there.`);
    const check = port.checkChannel ? await port.checkChannel(channel, needs) : null;
    if (check && !check.ok) throw new UserError(cannotPost(check, again));
    return check;
  }

  return {
    timeZone: deps.timeZone,
    async subscribe(input, actor) {
      if (input.threadTs && input.platform !== 'slack') throw new UserError('A message link names a Slack thread: on Discord, pick the thread itself.');
      const check = await checkTarget(input.platform, input.channel, '/alerts subscribe', { threads: Boolean(input.threads), ...(input.threadTs ? { thread: input.threadTs } : {}) });
      if (input.publish && (input.platform !== 'discord' || (check?.kind && check.kind !== 'announcement'))) {
        throw new UserError('publish:yes works in Discord announcement channels only: pick an announcement channel, or leave publish out.');
      }
      let approvalChannelName: string | null = null;
      if (input.approvalChannel) {
        if (input.approvalChannel === input.channel) throw new UserError('approval: must be another channel than the one the alerts go to (editors approve there, readers read here).');
        const port = deps.ports.get(input.platform);
        const approval = port?.checkChannel ? await port.checkChannel(input.approvalChannel) : null;
        if (approval && !approval.ok) throw new UserError(`approval: ${cannotPost(approval, '/alerts subscribe')}`);
        approvalChannelName = input.approvalChannelName ?? approval?.name ?? null;
      }
      const scope = { platform: input.platform, workspace: input.workspace };
      return store.transaction(async () => {
        const sub = await subscriptions.create({ ...input, channelName: input.channelName ?? check?.name ?? null, approvalChannelName }, actor, deps.now());
        await audit.append(deps.now(), actor, scope, 'subscribe', sub.id, {
          channel: sub.channel, minPriority: sub.minPriority, sections: sub.sections, keywords: sub.keywords,
          mentionRoleId: sub.mentionRoleId, mentionHere: sub.mentionHere, threads: sub.threads, ...(sub.publish ? { publish: true } : {}),
          ...(sub.approvalChannel ? { approvalChannel: sub.approvalChannel } : {}),
        });
        return sub;
      });
    },

    async briefing(input, actor) {
      const check = await checkTarget(input.platform, input.channel, '/alerts briefing');
      const scope = { platform: input.platform, workspace: input.workspace };
      const outcome = await store.transaction(async () => {
        const count = (await subscriptions.list(scope)).filter((s) => s.briefing).length;
        if (count >= MAX_BRIEFINGS_PER_SCOPE) {
          throw new UserError(`This ${scope.platform === 'slack' ? 'workspace' : 'server'} has ${count} briefings already (at most ${MAX_BRIEFINGS_PER_SCOPE}). Remove one first: /alerts list shows them.`);
        }
        const sub = await subscriptions.create({
          platform: input.platform, workspace: input.workspace, channel: input.channel, channelName: input.channelName ?? check?.name ?? null,
          minPriority: 'routine', sections: input.sections, briefing: input.schedule,
        }, actor, deps.now());
        if (!isBriefing(sub)) throw new Error('the store did not keep the briefing schedule');
        const at = deps.now().getTime();
        const first = await writeNextRun(outbox, sub, at, at);
        await audit.append(deps.now(), actor, scope, 'briefing', sub.id, { channel: sub.channel, ...input.schedule, sections: sub.sections });
        return { subscription: sub, firstRunAt: first.dueAt };
      });
      deps.dispatcher.wake();
      return outcome;
    },

    async list(scope) {
      const subs = await subscriptions.list(scope);
      const health = await subscriptions.health(subs.map((s) => s.id));
      const at = deps.now().getTime();
      return Promise.all(subs.map(async (s) => {
        const publishing = s.publish ? (await deps.ports.get(s.platform)?.publishReport?.(s.channel)) ?? null : null;
        // A briefing says which of its latest runs were missed (every instance down two hours or more).
        const missed = isBriefing(s) ? (await missedRuns(outbox, s, at)).map((m) => m.run.dueAt) : [];
        return {
          ...s,
          health: { ...health.get(s.id)!, platformProblem: deps.dispatcher.platformProblem(s.platform), ...(publishing ? { publishing } : {}), ...(missed.length ? { missedRuns: missed } : {}) },
        };
      }));
    },

    async get(scope, id) {
      return subscriptions.find(scope, id);
    },

    async remove(scope, id, actor) {
      return change(scope, id, actor, 'remove', {}, async (sub) => {
        await subscriptions.remove(sub.id, deps.now());
        await outbox.skipQueued(sub.id, 'subscription removed', deps.now().getTime());
      });
    },

    async pause(scope, id, actor) {
      return change(scope, id, actor, 'pause', {}, async (sub) => {
        await subscriptions.setPaused(sub.id, true, `paused by ${actor.name}`);
        await outbox.skipQueued(sub.id, `subscription paused by ${actor.name}`, deps.now().getTime());
      });
    },

    async resume(scope, id, actor) {
      const sub = await change(scope, id, actor, 'resume', {}, async (s) => {
        await subscriptions.setPaused(s.id, false, null);
        // A briefing's runs were skipped while paused: the schedule goes on from the next run.
        if (isBriefing(s)) await resumeRuns(outbox, { ...s, paused: false }, deps.now().getTime(), deps.now().getTime());
      });
      deps.dispatcher.wake();
      return sub;
    },

    async setQuiet(scope, id, quiet: QuietHours | null, actor) {
      const sub = await change(scope, id, actor, quiet ? 'quiet' : 'quiet-off', quiet ? { ...quiet } : {}, async (s) => {
        await subscriptions.setQuiet(s.id, quiet);
        // What was held under the old window goes out now rather than waiting for a window that changed.
        await outbox.releaseDigests(s.id, deps.now().getTime());
      });
      deps.dispatcher.wake();
      return sub;
    },

    async setMentionRules(scope, id, rules, actor) {
      return change(scope, id, actor, rules.length ? 'mention' : 'mention-off', { rules }, (s) => subscriptions.setMentionRules(s.id, rules));
    },

    async test(scope, id, actor, waitMs = TEST_WAIT_MS): Promise<TestOutcome> {
      const sub = await mustFind(scope, id);
      const deliveryId = newDeliveryId();
      const at = deps.now();
      const settled = new Promise<TestOutcome>((resolve) => {
        const timer = setTimeout(() => {
          off();
          resolve({ state: 'pending', detail: 'queued: the platform is rate-limiting this channel; it will go out shortly' });
        }, waitMs);
        const off = deps.dispatcher.onSettled((e) => {
          if (e.delivery.id !== deliveryId || e.retrying) return;
          clearTimeout(timer);
          off();
          resolve({ state: e.delivery.state, detail: e.delivery.reason ?? e.delivery.lastError ?? '' });
        });
      });
      await store.transaction(async () => {
        await outbox.insert({
          id: deliveryId, storyId: `test:${deliveryId}`, articleId: null, subscriptionId: sub.id, kind: 'test',
          platform: sub.platform, channel: sub.channel, priorityRank: PRIORITY_RANK.breaking, state: 'pending',
          targetVersion: 1, dueAt: at.getTime(), payload: JSON.stringify(sampleArticle(at)),
        }, at.getTime());
        await audit.append(at, actor, scope, 'test', sub.id, {});
      });
      deps.dispatcher.wake();
      return settled;
    },

    async press(scope, actor, press) {
      if (!deps.approvals) throw new UserError('Approvals are not running on this bot.');
      const answer = await deps.approvals.press(scope, actor, press);
      deps.dispatcher.wake();
      return answer;
    },

    async why(scope, channel, articleId) {
      // Admins may ask about a held (embargoed) story: /alerts why says when it goes out.
      const article = await store.articles.get(articleId, { includeHidden: true });
      if (!article) throw new UserError(`No article "${articleId.slice(0, 60)}".`);
      // Briefings never carry alerts: not listed.
      const all = (await subscriptions.list(scope)).filter((s) => !s.briefing);
      const here = all.filter((s) => s.channel === channel);
      const story = await stories.story(article.id);
      const recalls = await stories.recalls(story?.storyId ?? article.id);
      const recall = recalls.find((r) => r.kind === 'kill') ?? recalls.find((r) => r.platform === scope.platform && r.workspace === scope.workspace) ?? null;
      return Promise.all((here.length ? here : all).map(async (sub) => {
        const row = story ? await outbox.forStory(story.storyId, sub.id) : null;
        const group = row?.foldedInto ? await outbox.get(row.foldedInto) : null;
        const approval = story && sub.approvalChannel ? await stories.approval(story.storyId, sub.approvalChannel) : null;
        return explainDelivery({
          approval,
          article, sub, story, row, group, recall, now: deps.now(), timeZone: sub.tz ?? deps.timeZone, platformProblem: deps.dispatcher.platformProblem(sub.platform),
        });
      }));
    },

    async suggest(scope, partial) {
      const p = partial.trim().toLowerCase();
      return (await subscriptions.list(scope))
        .filter((s) => !p || s.id.includes(p) || (s.channelName ?? parseChannelRef(s.channel).channel).toLowerCase().includes(p));
    },

    async audit(scope, limit) {
      return audit.recent(scope, limit);
    },

    async stop(scope, actor, reason) {
      return store.transaction(async () => {
        const at = deps.now();
        const stop: ScopeStop = { platform: scope.platform, workspace: scope.workspace, stoppedAt: at.toISOString(), by: { id: actor.id, name: actor.name }, reason };
        if (!(await subscriptions.stopScope(stop))) return { changed: false, stop: (await subscriptions.stopState(scope))! };
        await audit.append(at, actor, scope, 'stop', null, reason ? { reason } : {});
        return { changed: true, stop };
      });
    },

    async start(scope, actor) {
      const outcome = await store.transaction(async () => {
        const at = deps.now();
        const stop = await subscriptions.startScope(scope);
        if (!stop) return { stop: null, grouped: 0, channels: 0 };
        // What waited more than STOP_GROUP_MS is old news by now: one "While stopped" message per channel, not a flood.
        const subs = await subscriptions.list(scope);
        let grouped = 0;
        let channels = 0;
        for (const sub of subs) {
          const waiting = await outbox.waitingSince(sub.id, at.getTime() - STOP_GROUP_MS);
          if (waiting.length === 0) continue;
          const id = newDeliveryId();
          await outbox.insert({
            id, storyId: `stopped:${sub.id}:${at.getTime()}`, articleId: null, subscriptionId: sub.id, kind: 'digest', platform: sub.platform,
            channel: sub.channel, priorityRank: Math.min(...waiting.map((w) => w.priorityRank)), state: 'pending', targetVersion: 1,
            dueAt: at.getTime(), payload: JSON.stringify({ label: 'While stopped' }),
          }, at.getTime());
          await outbox.holdInto(waiting.map((w) => w.id), id, at.getTime());
          grouped += waiting.length;
          channels += 1;
        }
        // Every instance's dispatcher looks at this scope's rows again.
        await outbox.nudge(subs.map((s) => s.id), at.getTime());
        await audit.append(at, actor, scope, 'start', null, { stoppedAt: stop.stoppedAt, grouped });
        return { stop, grouped, channels };
      });
      deps.dispatcher.wake();
      return outcome;
    },

    async stopState(scope) {
      return subscriptions.stopState(scope);
    },

    async recall(scope, articleId, reason, actor) {
      const outcome = await store.transaction(async () => {
        const at = deps.now();
        const storyId = (await stories.story(articleId))?.storyId ?? articleId;
        const earlier = (await stories.recalls(storyId)).find((r) => r.kind === 'kill' || (r.platform === scope.platform && r.workspace === scope.workspace));
        if (earlier) return { already: earlier, channels: 0, messages: 0 };
        await stories.addRecall({ storyId, platform: scope.platform, workspace: scope.workspace, kind: 'recall', reason, by: { id: actor.id, name: actor.name }, at: at.getTime() });
        const subs = (await subscriptions.list(scope)).map((s) => s.id);
        const { deletes } = await outbox.recallRows(storyId, subs, reason, at.getTime());
        await audit.append(at, actor, scope, 'recall', null, { article: articleId, story: storyId, reason, messages: deletes.length });
        const messages = deletes.reduce((n, d) => n + 1 + d.threadRefs.length, 0);
        return { already: null, channels: new Set(deletes.map((d) => d.subscriptionId)).size, messages };
      });
      deps.dispatcher.wake();
      return outcome;
    },
  };
}
