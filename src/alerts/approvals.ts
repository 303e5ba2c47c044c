import { UserError } from '../core/errors.js';
import type { Reply, ReplyButton } from '../core/reply.js';
import type { ApprovalPress } from '../core/alerts-service.js';
import { clip } from '../core/text.js';
import { approvalKey, VERIFICATIONS, type ApprovalDecision, type ApprovalOutcome, type Verification } from '../domain/approval.js';
import type { Article } from '../domain/article.js';
import { parseChannelRef, type ChannelRef } from '../domain/channel.js';
import type { Delivery, NewDelivery } from '../domain/delivery.js';
import type { Actor, Scope, Subscription } from '../domain/subscription.js';
import type { Store } from '../store/types.js';
import { newDeliveryId } from './fanout.js';
import { renderAlert } from './render.js';
import { formatWhen } from './why.js';

/**
 * Editor approval (newsroom controls II). A subscription with an approval channel gets its alerts as waiting rows;
 * the approval channel gets one preview per story (its own outbox row, keyed (story, `approval:<channel>`)), shared by
 * every subscription naming that channel. Editors press Approve, Hold, Reject or a label on the preview; a decision is
 * an overlay on the story (StoryStore.decide, first final decision wins), written with what it does to the outbox in
 * one transaction. The preview is edited through the outbox like any alert; its expiry is its due time once posted.
 */

export type { ApprovalPress };

const ID = '[A-Za-z0-9_-]{12}';
const PRESS = new RegExp(`^alerts:(approve|hold|reject):(${ID})$|^alerts:label:(${ID}):(${VERIFICATIONS.join('|')})$`);

export function parsePress(action: string): ApprovalPress | null {
  const m = PRESS.exec(action);
  if (!m) return null;
  if (m[1]) return { kind: m[1] as 'approve' | 'hold' | 'reject', previewId: m[2] };
  return { kind: 'label', previewId: m[3], label: m[4] as Verification };
}

const SYSTEM = { id: 'system', name: 'Newsdesk' };
const SYSTEM_ACTOR: Actor = { ...SYSTEM, platform: 'system', workspace: '' };

export interface ApprovalsDeps {
  store: Store;
  now: () => Date;
  timeZone: string;
  /** APPROVAL_EXPIRY_MINUTES, in ms. */
  expiryMs: number;
}

export interface Approvals {
  /**
   * The fan-out's part, inside the article's write transaction: the gated subscriptions' rows (waiting, or pending /
   * skipped when the story is decided already in their approval channel) and one preview per approval channel.
   * Returns how many rows are due now.
   */
  queue(article: Article, storyId: string, gated: ReadonlyArray<{ sub: Subscription; row: NewDelivery }>, nowMs: number): Promise<number>;
  /** A new version (the previews are edited) or a retraction or kill (nothing left to approve: waiting rows skipped). */
  storyChanged(article: Pick<Article, 'status'>, storyId: string, nowMs: number): Promise<void>;
  /** A press on a preview by an editor (the dispatcher checked the role): the private answer to the presser. */
  press(scope: Scope, actor: Actor, press: ApprovalPress): Promise<string>;
  /** A preview whose expiry came (its due time): the system decides 'expired' unless a press was written first. */
  expire(row: Delivery): Promise<void>;
  /** The preview as it stands: the alert as it will look, the label, who decided, and the buttons while open. */
  render(row: Delivery): Promise<Reply>;
}

export function createApprovals(deps: ApprovalsDeps): Approvals {
  const { store } = deps;
  const { outbox, stories, subscriptions, audit } = store;
  const scopeOfChannel = (channel: ChannelRef): Scope => {
    const ref = parseChannelRef(channel);
    return { platform: ref.platform, workspace: ref.workspace };
  };
  const when = (ms: number) => formatWhen(ms, deps.now(), deps.timeZone);
  const channelName = (sub: Pick<Subscription, 'channel' | 'channelName'>) => `#${sub.channelName ?? sub.channel.split('/').pop()!.replace(/^terminal:/, '')}`;

  /** The subscriptions whose alerts of this story wait on (or went out through) this approval channel. */
  async function waitingOn(storyId: string, channel: ChannelRef): Promise<Subscription[]> {
    const rows = (await outbox.forStoryAll(storyId)).filter((d) => d.kind === 'alert');
    const subs = await Promise.all(rows.map((r) => subscriptions.get(r.subscriptionId)));
    return subs.filter((s): s is Subscription => s !== null && s.approvalChannel === channel)
      .sort((a, b) => channelName(a).localeCompare(channelName(b)));
  }

  async function labelOf(storyId: string): Promise<Verification | null> {
    return (await stories.label(storyId))?.label ?? null;
  }

  /** What a decision does to the outbox, in the decision's transaction. */
  async function apply(d: ApprovalDecision, nowMs: number): Promise<void> {
    if (d.outcome === 'approved') await outbox.releaseWaiting(d.storyId, d.channel, nowMs);
    else if (d.outcome !== 'held') await outbox.skipWaiting(d.storyId, d.channel, reasonOf(d), nowMs);
    await outbox.touchPreviews(d.storyId, d.channel, nowMs, true);
  }

  function closedLine(d: ApprovalDecision, pressed: ApprovalPress['kind']): string {
    const same = (pressed === 'approve' && d.outcome === 'approved') || (pressed === 'reject' && d.outcome === 'rejected') || (pressed === 'hold' && d.outcome === 'held');
    if (same) return `Already ${d.outcome} by ${d.by.name} at ${when(d.at)}. Nothing changed.`;
    if (d.outcome === 'expired') return `This approval is closed: it expired at ${when(d.at)}, not sent. Nothing changed.`;
    if (d.outcome === 'retracted') return 'This approval is closed: the story was retracted, nothing to approve. Nothing changed.';
    return `This approval is closed: ${d.outcome} by ${d.by.name} at ${when(d.at)}. Nothing changed.`;
  }

  return {
    async queue(article, storyId, gated, nowMs) {
      let dueNow = 0;
      const channels = new Map<ChannelRef, Subscription>();
      for (const { sub, row } of gated) {
        const channel = sub.approvalChannel!;
        const decided = await stories.approval(storyId, channel);
        if (decided?.outcome === 'approved') {
          if (await outbox.insert({ ...row, state: 'pending', dueAt: nowMs }, nowMs)) dueNow += 1;
          continue;
        }
        if (decided && decided.outcome !== 'held') {
          await outbox.insert({ ...row, state: 'skipped', reason: reasonOf(decided) }, nowMs);
          continue;
        }
        await outbox.insert({ ...row, state: 'waiting', dueAt: null }, nowMs);
        channels.set(channel, sub);
      }
      for (const [channel, sub] of channels) {
        const preview: NewDelivery = {
          id: newDeliveryId(), storyId, articleId: article.id, subscriptionId: approvalKey(channel), kind: 'preview',
          platform: parseChannelRef(channel).platform, channel, priorityRank: gated.find((g) => g.sub === sub)!.row.priorityRank,
          state: 'pending', targetVersion: 1, dueAt: nowMs, expiresAt: nowMs + deps.expiryMs,
        };
        // The story's preview in this channel exists already (another subscription, or a later match): it now names one more.
        if (await outbox.insert(preview, nowMs)) dueNow += 1;
        else await outbox.touchPreviews(storyId, channel, nowMs, false);
      }
      return dueNow;
    },

    async storyChanged(article, storyId, nowMs) {
      const previews = (await outbox.forStoryAll(storyId)).filter((d) => d.kind === 'preview');
      for (const p of previews) {
        if (article.status === 'retracted' || article.status === 'killed') {
          const { won, current } = await stories.decide({ storyId, channel: p.channel, outcome: 'retracted', label: null, by: SYSTEM, at: nowMs });
          if (won) {
            await apply(current, nowMs);
            await audit.append(new Date(nowMs), SYSTEM_ACTOR, scopeOfChannel(p.channel), 'approval-retracted', null, { story: storyId, channel: p.channel });
            continue;
          }
        }
        await outbox.touchPreviews(storyId, p.channel, nowMs, false);
      }
    },

    async press(scope, actor, pressed) {
      return store.transaction(async () => {
        const at = deps.now();
        const nowMs = at.getTime();
        const row = await outbox.get(pressed.previewId);
        if (!row || row.kind !== 'preview') throw new UserError('This approval is closed: the story is no longer waiting. Nothing changed.');
        const where = scopeOfChannel(row.channel);
        if (where.platform !== scope.platform || where.workspace !== scope.workspace) throw new UserError('This approval belongs to another server or workspace. Nothing changed.');
        const article = row.articleId ? await store.articles.get(row.articleId, { includeHidden: true }) : null;
        if (!article) throw new UserError('This approval is closed: the story is gone. Nothing changed.');
        const storyId = row.storyId;
        const by = { id: actor.id, name: actor.name };
        const detail = { story: storyId, article: article.id, channel: row.channel };
        if (pressed.kind === 'label') {
          const changed = await stories.setLabel({ storyId, label: pressed.label, by, at: nowMs });
          if (!changed) return `The story is already labelled ${pressed.label}. Nothing changed.`;
          await outbox.relabel(storyId, nowMs);
          await outbox.touchPreviews(storyId, null, nowMs, false);
          await audit.append(at, actor, scope, 'label', null, { ...detail, label: pressed.label });
          return `Labelled ${pressed.label}: the preview and every alert of this story already posted show it.`;
        }
        const outcome: ApprovalOutcome = pressed.kind === 'approve' ? 'approved' : pressed.kind === 'reject' ? 'rejected' : 'held';
        const label = outcome === 'approved' ? (await labelOf(storyId)) ?? article.verification : null;
        const { won, current } = await stories.decide({ storyId, channel: row.channel, outcome, label, by, at: nowMs });
        if (!won) return closedLine(current, pressed.kind);
        await apply(current, nowMs);
        await audit.append(at, actor, scope, `approval-${outcome}`, null, { ...detail, ...(label ? { label } : {}) });
        const names = (await waitingOn(storyId, row.channel)).map(channelName).join(', ') || 'no channel';
        if (outcome === 'approved') return `Approved: “${clip(article.title, 80)}” goes out to ${names}${label ? ` (${label})` : ''}.`;
        if (outcome === 'rejected') return `Rejected: nothing is sent to ${names}.`;
        return 'Held: the preview stays open and no longer expires; Approve or Reject when ready.';
      });
    },

    async expire(row) {
      await store.transaction(async () => {
        const at = deps.now();
        const { won, current } = await stories.decide({ storyId: row.storyId, channel: row.channel, outcome: 'expired', label: null, by: SYSTEM, at: at.getTime() });
        if (!won) {
          // Decided (or held) first: the preview no longer expires.
          await outbox.touchPreviews(row.storyId, row.channel, at.getTime(), true);
          return;
        }
        await apply(current, at.getTime());
        await audit.append(at, SYSTEM_ACTOR, scopeOfChannel(row.channel), 'approval-expired', null, { story: row.storyId, channel: row.channel });
      });
    },

    async render(row) {
      const article = row.articleId ? await store.articles.get(row.articleId, { includeHidden: true }) : null;
      const decision = await stories.approval(row.storyId, row.channel);
      const label = decision?.outcome === 'approved' && decision.label ? decision.label : (await labelOf(row.storyId)) ?? article?.verification ?? null;
      const names = (await waitingOn(row.storyId, row.channel)).map(channelName).join(', ') || 'no channel';
      const alert = article ? renderAlert(article, null, { timeZone: deps.timeZone, label }) : null;
      const open = !decision || decision.outcome === 'held';
      const line = !decision
        ? `Approval needed before this alert goes to ${names}. It expires at ${when(row.expiresAt ?? row.createdAt + deps.expiryMs)} if nobody decides.`
        : decisionLine(decision, names, when);
      const buttons: ReplyButton[] = open && article?.status !== 'retracted'
        ? [
          { label: 'Approve', action: `alerts:approve:${row.id}`, style: 'primary' },
          ...(decision?.outcome === 'held' ? [] : [{ label: 'Hold', action: `alerts:hold:${row.id}`, style: 'secondary' as const }]),
          { label: 'Reject', action: `alerts:reject:${row.id}`, style: 'danger' },
          ...VERIFICATIONS.map((v) => ({ label: v === label ? `${capital(v)} ✓` : capital(v), action: `alerts:label:${row.id}:${v}`, style: 'secondary' as const })),
        ]
        : [];
      return {
        kind: 'answer',
        visibility: 'channel',
        text: `${line}${label ? ` Label: ${label}.` : ' Label: none yet.'}`,
        cards: alert?.cards ?? [{ title: 'The story is no longer in the archive.' }],
        ...(buttons.length ? { buttons } : {}),
        ...(article ? { topic: { title: article.title, labels: [] } } : {}),
      };
    },
  };
}

function decisionLine(d: ApprovalDecision, names: string, when: (ms: number) => string): string {
  switch (d.outcome) {
    case 'held': return `Held by ${d.by.name} at ${when(d.at)}: ${names} wait for Approve or Reject (no expiry).`;
    case 'approved': return `Approved by ${d.by.name} at ${when(d.at)}: sent to ${names}.`;
    case 'rejected': return `Rejected by ${d.by.name}: not sent.`;
    case 'expired': return `Expired, not sent (nobody decided by ${when(d.at)}).`;
    case 'retracted': return 'Retracted: nothing to approve.';
  }
}

/** Why a waiting alert was skipped, as /alerts why says it. */
function reasonOf(d: ApprovalDecision): string {
  switch (d.outcome) {
    case 'rejected': return `rejected by ${d.by.name}`;
    case 'expired': return 'approval expired: nobody decided in time';
    case 'retracted': return 'retracted before approval';
    default: return d.outcome;
  }
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
