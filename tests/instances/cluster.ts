import pg from 'pg';
import { emptyDataDir, startNewsdeskProcess, type NewsdeskProcess } from '../alerts/e2e/process.js';

/**
 * Several real Newsdesk processes (`tsx src/main.ts`) on one PostgreSQL schema, and what the test reads from that
 * schema directly (leases, the outbox), with its own connection: never through the code under test.
 */
export interface Instance {
  /** The id the process logged when it joined the shared store (random per start). */
  id: string;
  name: string;
  proc: NewsdeskProcess;
  alive: boolean;
}

/** Starts `names.length` processes at once, each with its own empty DATA_DIR, the same database and schema. */
export async function startInstances(names: string[], env: Record<string, string>): Promise<Instance[]> {
  const procs = await Promise.allSettled(names.map(() => startNewsdeskProcess({ ...env, DATA_DIR: emptyDataDir() }, 90_000)));
  const started = procs.flatMap((p) => (p.status === 'fulfilled' ? [p.value] : []));
  const failed = procs.find((p): p is PromiseRejectedResult => p.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((p) => p.stop()));
    throw failed.reason;
  }
  return started.map((proc, i) => ({ id: instanceIdOf(proc), name: names[i], proc, alive: true }));
}

function instanceIdOf(proc: NewsdeskProcess): string {
  for (const line of proc.stderr().split('\n')) {
    if (!line.includes('instance joined the shared store')) continue;
    return (JSON.parse(line) as { instance: string }).instance;
  }
  throw new Error(`the process did not log its instance id; stderr:\n${proc.stderr().slice(-2000)}`);
}

/** SIGKILL of the whole process group (tsx runs Newsdesk in a child): no clean stop, no lease handed over. */
export async function killHard(instance: Instance): Promise<void> {
  instance.proc.kill('SIGKILL');
  await instance.proc.exited;
  instance.alive = false;
}

/** The test's own view of the shared schema. */
export class SchemaReader {
  private readonly client: pg.Client;

  constructor(url: string, private readonly schema: string) {
    this.client = new pg.Client({ connectionString: url });
    this.client.on('error', () => {});
  }

  async open(): Promise<void> {
    await this.client.connect();
    await this.client.query(`SET search_path TO ${this.schema}`);
  }

  /** Live sender leases: bucket → holder instance id. */
  async senders(): Promise<Map<string, string>> {
    const { rows } = await this.client.query<{ name: string; holder: string }>(
      `SELECT name, holder FROM leases WHERE name LIKE 'sender:%' AND expires_at > now()`,
    );
    return new Map(rows.map((r) => [r.name.slice('sender:'.length), r.holder]));
  }

  /** Outbox rows by state, and how many have delivered the version they aim at. */
  async outbox(): Promise<{ byState: Record<string, number>; total: number; upToDate: number; inDoubt: number }> {
    const { rows } = await this.client.query<{ state: string; n: string; up: string; doubt: string }>(
      `SELECT state, COUNT(*) AS n, COUNT(*) FILTER (WHERE delivered_version = target_version AND due_at IS NULL) AS up,
              COUNT(*) FILTER (WHERE in_doubt <> 0) AS doubt
       FROM alert_outbox GROUP BY state`,
    );
    const byState = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    const sum = (f: (r: (typeof rows)[number]) => string) => rows.reduce((n, r) => n + Number(f(r)), 0);
    return { byState, total: sum((r) => r.n), upToDate: sum((r) => (r.state === 'sent' ? r.up : '0')), inDoubt: sum((r) => r.doubt) };
  }

  /** The database's clock. */
  async now(): Promise<Date> {
    const { rows } = await this.client.query<{ now: Date }>('SELECT now() AS now');
    return rows[0].now;
  }

  /** Every quiet-hours digest row, with how many stories it holds. */
  async digests(): Promise<Array<{ subscriptionId: string; storyId: string; state: string; dueAt: number | null; members: number }>> {
    const { rows } = await this.client.query<{ subscription_id: string; story_id: string; state: string; due_at: string | null; members: string }>(
      `SELECT d.subscription_id, d.story_id, d.state, d.due_at,
              (SELECT count(*) FROM alert_outbox m WHERE m.folded_into = d.id) AS members
       FROM alert_outbox d WHERE d.kind = 'digest' ORDER BY d.subscription_id, d.created_at`,
    );
    return rows.map((r) => ({ subscriptionId: r.subscription_id, storyId: r.story_id, state: r.state, dueAt: r.due_at === null ? null : Number(r.due_at), members: Number(r.members) }));
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}
