import { parsePress } from '../src/alerts/approvals.js';
import { startAlerts, type Alerts } from '../src/alerts/index.js';
import type { Actor } from '../src/domain/subscription.js';
import { logger } from '../src/log.js';
import { PortRegistry } from '../src/outbound/registry.js';
import type { Store } from '../src/store/types.js';
import { percentile } from './stats.js';
import { onPostgresInstances, onSqlite } from './bench-stores.js';
import { TimingPort } from './timing-port.js';

/**
 * Editor approval, in real time (issue 26's figures):
 *  - press → first approved alert posted: 20 stories, each previewed, then approved by one press; the time from the
 *    press to the first post of that story's alert reaching the port (p50, max).
 *  - double presses: 50 more stories, each pressed Approve twice at the same moment (on two instances with
 *    PostgreSQL, twice in one process on SQLite): how many decisions were written (goal: 50), and alerts posted per
 *    story (goal: 1).
 * SQLite: one process. PostgreSQL: three pipelines ("instances": own store, pool, LISTEN connection) on one schema.
 */
const quiet = logger.child({}, { level: 'silent' });
const PRESSES = 20;
const DOUBLES = 50;
const SCOPE = { platform: 'terminal' as const, workspace: '' };


export interface ApprovalBenchRow {
  backend: string;
  presses: number;
  p50Ms: number;
  maxMs: number;
  doublePresses: number;
  decisions: number;
  alertsPerStory: string;
}

async function until(cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<boolean> {
  const end = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > end) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

async function measure(backend: string, stores: Store[]): Promise<ApprovalBenchRow> {
  const port = new TimingPort(() => performance.now());
  const pipelines: Alerts[] = [];
  for (const store of stores) {
    await store.coordination?.start({ feeds: null, timeZone: 'UTC' });
    pipelines.push(startAlerts({ store, ports: new PortRegistry([port]), logger: quiet, config: { TIMEZONE: 'UTC' }, now: () => new Date() }));
  }
  const editor = (n: number): Actor => ({ id: `E${n}`, name: `Editor ${n}`, platform: 'terminal', workspace: '' });
  await pipelines[0].service.subscribe({ ...SCOPE, channel: 'terminal:public', minPriority: 'breaking', approvalChannel: 'terminal:editors' }, editor(0));
  const store = stores[0];
  const previewOf = async (id: string): Promise<string | null> => {
    let found: string | null = null;
    await until(async () => {
      const row = (await store.outbox.forStoryAll(id)).find((d) => d.kind === 'preview' && d.state === 'sent');
      found = row?.id ?? null;
      return found !== null;
    });
    return found;
  };

  const delays: number[] = [];
  for (let i = 0; i < PRESSES; i++) {
    const id = `appr-${i}`;
    const title = `Approval bench story ${i}`;
    await stores[i % stores.length].articles.upsert({ id, title, priority: 'breaking' });
    const preview = await previewOf(id);
    if (!preview) continue;
    const pressedAt = performance.now();
    await pipelines[(i + 1) % pipelines.length].service.press!(SCOPE, editor(1), parsePress(`alerts:approve:${preview}`)!);
    if (await until(() => port.posts.some((p) => p.channel === 'terminal:public' && p.title === title))) {
      delays.push(port.posts.find((p) => p.channel === 'terminal:public' && p.title === title)!.at - pressedAt);
    }
  }

  let decisions = 0;
  const perStory: number[] = [];
  for (let i = 0; i < DOUBLES; i++) {
    const id = `dbl-${i}`;
    const title = `Double press story ${i}`;
    await store.articles.upsert({ id, title, priority: 'breaking' });
    const preview = await previewOf(id);
    if (!preview) continue;
    const press = parsePress(`alerts:approve:${preview}`)!;
    const answers = await Promise.all([
      pipelines[0].service.press!(SCOPE, editor(1), press),
      pipelines[1 % pipelines.length].service.press!(SCOPE, editor(2), press),
    ]);
    decisions += answers.filter((a) => a.startsWith('Approved: ')).length;
    await until(() => port.posts.some((p) => p.title === title));
    perStory.push(0);
  }
  await new Promise((r) => setTimeout(r, 1_000));
  for (let i = 0; i < DOUBLES; i++) perStory[i] = port.posts.filter((p) => p.channel === 'terminal:public' && p.title === `Double press story ${i}`).length;
  for (const p of pipelines) await p.stop();
  const sorted = delays.sort((a, b) => a - b);
  const counts = [...new Set(perStory)].sort().join(', ');
  return {
    backend, presses: sorted.length, p50Ms: Math.round(percentile(sorted, 0.5) * 10) / 10, maxMs: Math.round((sorted.at(-1) ?? NaN) * 10) / 10,
    doublePresses: DOUBLES, decisions, alertsPerStory: counts,
  };
}

export async function runApprovalBench(opts: { postgres?: boolean } = {}): Promise<ApprovalBenchRow[]> {
  const now = () => new Date();
  const rows: ApprovalBenchRow[] = [await onSqlite('approval', now, (store) => measure('sqlite, 1 process', [store]))];
  if (opts.postgres !== false) rows.push(await onPostgresInstances('approval', now, 3, (stores) => measure('postgres, 3 instances', stores)));
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await runApprovalBench());
}
