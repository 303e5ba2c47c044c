import type { AlertsService, OpsService } from '../core/alerts-service.js';
import { UserError } from '../core/errors.js';
import type { Actor, Scope } from '../domain/subscription.js';
import type { PortRegistry } from '../outbound/registry.js';
import type { Store } from '../store/types.js';
import { noticeText, type OpsNotices } from './ops-notices.js';
import { cannotPost } from './describe.js';

export interface OpsServiceDeps {
  store: Store;
  ports: PortRegistry;
  notices: OpsNotices;
  now: () => Date;
}

/**
 * The alerts service with operations notices: `/alerts ops` names the channel; an admin's resume or remove of a
 * subscription paused by a failure closes its problem (the recovery notice).
 */
export function withOpsNotices(service: AlertsService, deps: OpsServiceDeps): AlertsService {
  const { store, notices } = deps;
  const cause = (id: string) => `sub:${id}`;

  const ops: OpsService = {
    async channel(scope) {
      const c = await store.ops.channel(scope);
      return c ? { channel: c.channel, channelName: c.channelName, setByName: c.setByName } : null;
    },

    async setChannel(scope, target, actor) {
      if (!target) {
        await store.transaction(async () => {
          await store.ops.setChannel(scope, null, actor, deps.now());
          await store.audit.append(deps.now(), actor, scope, 'ops-off', null, {});
        });
        return null;
      }
      const port = deps.ports.get(scope.platform);
      if (!port) throw new UserError(`${scope.platform} is not connected right now, so I cannot post there.`);
      const check = port.checkChannel ? await port.checkChannel(target.channel) : null;
      if (check && !check.ok) throw new UserError(cannotPost(check, '/alerts ops'));
      const channelName = target.channelName ?? check?.name ?? null;
      await store.transaction(async () => {
        await store.ops.setChannel(scope, { channel: target.channel, channelName }, actor, deps.now());
        await store.audit.append(deps.now(), actor, scope, 'ops', null, { channel: target.channel });
      });
      return { channelName };
    },

    async problems(scope) {
      return (await store.ops.problems(scope)).map((p) => ({ detail: p.detail, openedAt: p.openedAt }));
    },
  };

  return {
    ...service,
    ops,
    async resume(scope: Scope, id: string, actor: Actor) {
      const sub = await service.resume(scope, id, actor);
      await notices.recovered(scope, cause(sub.id), noticeText.resumed(sub, actor.name));
      return sub;
    },
    async remove(scope: Scope, id: string, actor: Actor) {
      const sub = await service.remove(scope, id, actor);
      await notices.recovered(scope, cause(sub.id), noticeText.removed(sub, actor.name));
      return sub;
    },
  };
}
