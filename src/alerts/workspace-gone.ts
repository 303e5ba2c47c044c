import type { Clock } from '../domain/clock.js';
import type { Actor, Scope } from '../domain/subscription.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';

/**
 * A workspace Newsdesk can no longer reach (Slack: app_uninstalled, tokens_revoked, a refused token refresh): in one
 * transaction its subscriptions are paused with the reason (kept, shown in /alerts list), its queued deliveries fail
 * with the reason without reaching the platform, and the audit log says so. Running it again (the other event, a
 * restart, a redelivered event) changes nothing more. Installing again resumes nothing: an admin resumes.
 */
const SYSTEM: Actor = { id: 'system', name: 'Newsdesk', platform: 'system', workspace: '' };

export interface WorkspaceGone {
  /** Subscriptions paused now (ones already paused keep their reason). */
  paused: number;
  /** Queued deliveries failed now. */
  failed: number;
}

export async function workspaceGone(
  store: Pick<Store, 'transaction' | 'subscriptions' | 'outbox' | 'audit'>, scope: Scope, why: { reason: string; outboxReason: string; event: string },
  now: Clock, logger: Logger,
): Promise<WorkspaceGone> {
  const result = await store.transaction(async () => {
    let paused = 0;
    let failed = 0;
    for (const sub of await store.subscriptions.list(scope)) {
      if (!sub.paused) {
        await store.subscriptions.setPaused(sub.id, true, why.reason);
        paused++;
      }
      failed += await store.outbox.failQueued(sub.id, why.outboxReason, now().getTime());
    }
    if (paused + failed > 0) await store.audit.append(now(), SYSTEM, scope, 'workspace-gone', null, { event: why.event, reason: why.reason, paused, failed });
    return { paused, failed };
  });
  logger.warn({ platform: scope.platform, workspace: scope.workspace, event: why.event, ...result }, `${scope.platform}: workspace gone (${why.event}); its alert subscriptions are paused and its queued alerts dropped`);
  return result;
}
