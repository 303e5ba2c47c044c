import type { HttpServer } from './http.js';
import { sendJson } from './http.js';

/**
 * `/healthz`: the process answers (for restarts). `/readyz`: every dependency answers (for load balancers):
 * the store is reachable and each configured adapter is connected. A check that throws or hangs counts as failed.
 * While the process drains (a stop has begun), /readyz is 503 whatever the checks say.
 */
export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface HealthOptions {
  checks: Record<string, ReadinessCheck>;
  /** A check slower than this fails, so /readyz always answers. */
  checkTimeoutMs?: number;
  /** True from the moment a stop begins: /readyz answers 503 at once (load balancers send no new work). */
  draining?: () => boolean;
}

export function mountHealth(http: HttpServer, opts: HealthOptions): void {
  const timeoutMs = opts.checkTimeoutMs ?? 2000;
  http.mount('GET', '/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }));
  http.mount('GET', '/readyz', async (_req, res) => {
    if (opts.draining?.()) {
      sendJson(res, 503, { status: 'draining' });
      return;
    }
    const names = Object.keys(opts.checks);
    const outcomes = await Promise.all(names.map((name) => runCheck(opts.checks[name], timeoutMs)));
    const checks = Object.fromEntries(names.map((name, i) => [name, outcomes[i]]));
    const failed = names.filter((_, i) => !outcomes[i]);
    sendJson(res, failed.length ? 503 : 200, failed.length ? { status: 'not ready', failed, checks } : { status: 'ready', checks });
  });
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(check).then((ok) => ok === true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
