import type { ChannelRef } from './channel.js';

/**
 * Editor approval (newsroom controls II): the alerts of a subscription with an approval channel wait until an editor
 * there decides. A decision is an editorial overlay on the story, keyed (story, approval channel), never a version.
 */

/** How sure the newsroom is of a story: a word on alerts, previews, /news and /summary. */
export type Verification = 'confirmed' | 'developing' | 'unverified';
export const VERIFICATIONS: readonly Verification[] = ['confirmed', 'developing', 'unverified'];

export function isVerification(v: unknown): v is Verification {
  return typeof v === 'string' && (VERIFICATIONS as readonly string[]).includes(v);
}

/**
 * held: an editor wants more time (no expiry; approve and reject still work). The others are final: the first final
 * decision written wins (a conditional write on both backends), whoever presses or expires second is told.
 * retracted: the story was retracted or killed while waiting (nothing to approve).
 */
export type ApprovalOutcome = 'held' | 'approved' | 'rejected' | 'expired' | 'retracted';
export const FINAL_OUTCOMES: readonly ApprovalOutcome[] = ['approved', 'rejected', 'expired', 'retracted'];

/** What may follow what: a final decision replaces nothing but a hold; a hold replaces nothing. */
export const APPROVAL_TRANSITIONS: Readonly<Record<'none' | ApprovalOutcome, readonly ApprovalOutcome[]>> = {
  none: ['held', 'approved', 'rejected', 'expired', 'retracted'],
  held: ['approved', 'rejected', 'retracted'],
  approved: [],
  rejected: [],
  expired: [],
  retracted: [],
};

/** Outcomes a decision may replace (`'none'` left out: no row yet), e.g. approved → held. */
export function outcomesBefore(to: ApprovalOutcome): ApprovalOutcome[] {
  return (Object.keys(APPROVAL_TRANSITIONS) as Array<'none' | ApprovalOutcome>)
    .filter((from): from is ApprovalOutcome => from !== 'none' && APPROVAL_TRANSITIONS[from].includes(to));
}

export interface ApprovalDecision {
  storyId: string;
  /** The approval channel the preview is in. */
  channel: ChannelRef;
  outcome: ApprovalOutcome;
  /** The label the story had when it was decided (approvals), else null. */
  label: Verification | null;
  by: { id: string; name: string };
  /** Epoch ms, application clock. */
  at: number;
}

/** A label an editor set on a story: it wins over the source's field, and a later version does not undo it. */
export interface StoryLabel {
  storyId: string;
  label: Verification;
  by: { id: string; name: string };
  at: number;
}

/** Minutes a preview stays open by default (APPROVAL_EXPIRY_MINUTES), and the allowed range. */
export const APPROVAL_EXPIRY_DEFAULT_MINUTES = 120;
export const APPROVAL_EXPIRY_RANGE = { min: 5, max: 1440 } as const;

/** A preview's outbox key: its rows are (story, `approval:<channel>`). */
export function approvalKey(channel: ChannelRef): string {
  return `approval:${channel}`;
}
