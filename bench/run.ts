import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatTable, runSearchBench } from './search.js';
import { runSummarySpeedBench } from './summary-speed.js';
import { runFanoutBench } from './fanout.js';
import { runKillBench } from './kill.js';
import { runTargetsBench } from './targets.js';
import { runHostileHtmlBench } from './hostile-html.js';
import { runSlowClientsBench } from './slow-clients.js';
import { runInstancesBench } from './instances.js';
import { runLoadBench } from './load.js';
import { runServiceBench } from './service.js';
import { runEmbargoBench } from './embargo.js';
import { runBriefingBench } from './briefing.js';
import { runApprovalBench } from './approval.js';
import { runSourcesBench } from './sources.js';

/**
 * `npm run bench [-- --articles N] [--only search,summary,fanout,hostile-html,slow-clients,load,instances,service,embargo,briefing,kill,approval,targets,sources] [--no-peer] [--store postgres]`
 * (`--only fanout [--fanout slack-200,slack-600,slack-600-after-200,discord] [--slack-channels N] [--discord-channels N]`:
 *   the alert fan-outs through rate-limited stand-ins, 300 Slack and 1,000 Discord channels unless told)
 * (`--only sources [--sources-workspaces 1,5]`: "+5 sources" edits of one story alerted in 500 Slack channels, in 1
 *   workspace unless told (about 20 minutes each: the edits wait out the 10-minute window from each post))
 * (`--only service`: start-up time and idle RSS of npm start before/now vs node dist/main.js; build first)
 * (`--store postgres`: the search bench runs Newsdesk on PostgreSQL too, beside SQLite; see bench/search.ts)
 * `npm run bench -- --instances 3 [--platforms discord,slack] [--failovers 3]`: only the several-instances benchmark
 *   (PostgreSQL): fan-out with 1 and with 3 instances, then failover.
 * Every server it talks to is a local stand-in on 127.0.0.1; every loop is bounded.
 */
function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const articles = Number(flag('--articles') ?? 100_000);
  if (!Number.isInteger(articles) || articles < 100) throw new Error('--articles takes a whole number ≥ 100');
  const stores = (flag('--store') ?? 'sqlite').split(',');
  const unknownStore = stores.find((s) => s !== 'sqlite' && s !== 'postgres');
  if (unknownStore) throw new Error(`--store takes sqlite and/or postgres (got ${unknownStore})`);
  const instances = flag('--instances');
  const only = new Set((flag('--only') ?? (instances ? 'instances' : 'search,summary,fanout,hostile-html,slow-clients,load')).split(','));
  const results: Record<string, unknown> = { at: new Date().toISOString(), node: process.version };
  const log = (line: string) => process.stderr.write(`${line}\n`);

  if (only.has('search')) {
    log(`\n== Search and ingest (${articles} articles) ==`);
    const r = await runSearchBench({ articles, peer: !process.argv.includes('--no-peer'), postgres: stores.includes('postgres'), log });
    process.stdout.write(`${formatTable(r)}\n`);
    results.search = r;
  }
  if (only.has('summary')) {
    log('\n== Summary time per article ==');
    const r = await runSummarySpeedBench();
    console.table([r]);
    results.summary = r;
  }
  if (only.has('fanout')) {
    log('\n== Alert fan-out through rate-limited stand-ins ==');
    results.fanout = await runFanoutBench({
      slackChannels: flag('--slack-channels') ? Number(flag('--slack-channels')) : undefined,
      discordChannels: flag('--discord-channels') ? Number(flag('--discord-channels')) : undefined,
      only: flag('--fanout')?.split(','),
    });
  }
  if (only.has('kill')) {
    log('\n== Kill of one story alerted in 200 Discord and 200 Slack channels (4 workspaces): deletes through rate-limited stand-ins ==');
    results.kill = await runKillBench({ log });
  }
  if (only.has('targets')) {
    log('\n== Where an alert lands: publish:yes pacing (12 breaking alerts) and a forum fan-out of 200 stories, through the Discord stand-in ==');
    results.targets = await runTargetsBench({ log });
  }
  if (only.has('hostile-html')) {
    log('\n== Hostile HTML → text (5 MB each) ==');
    const r = await runHostileHtmlBench();
    console.table(r);
    results.hostileHtml = r;
  }
  if (only.has('slow-clients')) {
    log('\n== Slow and hostile HTTP clients (half-sent bodies, unfinished headers) ==');
    const r = await runSlowClientsBench();
    console.table([r]);
    results.slowClients = r;
  }
  if (only.has('load')) {
    log('\n== Stalls and fairness under load: 1, 20 and 100 feeds parsing at once; /healthz during 4,000 half-sent requests ==');
    const r = await runLoadBench();
    console.table(r.parse);
    console.table([r.halfSent]);
    results.load = r;
  }
  if (only.has('instances')) {
    log(`\n== Several instances on one PostgreSQL: fan-out with 1 and ${instances ?? 3}, failover ==`);
    results.instances = await runInstancesBench({ instances: Number(instances ?? 3), failovers: Number(flag('--failovers') ?? 3), log,
      platforms: flag('--platforms')?.split(',').filter((p): p is 'discord' | 'slack' => p === 'discord' || p === 'slack'),
    });
  }
  if (only.has('embargo')) {
    log('\n== Embargo lift → first post (20 lifts; SQLite, and three instances on PostgreSQL) ==');
    const r = await runEmbargoBench({ postgres: flag('--store') !== 'sqlite' });
    console.table(r);
    results.embargo = r;
  }
  if (only.has('briefing')) {
    log('\n== Scheduled briefing: the run\'s instant → post (20 runs; SQLite, and three instances on PostgreSQL) ==');
    const r = await runBriefingBench({ postgres: flag('--store') !== 'sqlite' });
    console.table(r);
    results.briefing = r;
  }
  if (only.has('approval')) {
    log('\n== Editor approval: press → first approved alert posted (20 presses), decisions out of 50 double presses; SQLite, and three instances on PostgreSQL ==');
    const r = await runApprovalBench({ postgres: flag('--store') !== 'sqlite' });
    console.table(r);
    results.approval = r;
  }
  if (only.has('sources')) {
    const figures = [];
    for (const workspaces of (flag('--sources-workspaces') ?? '1').split(',').map(Number)) {
      log(`\n== "+N sources": five feeds join one story alerted in 500 Slack channels (${workspaces} workspace${workspaces > 1 ? 's' : ''}); chat.update against Tier 3 ==`);
      figures.push(await runSourcesBench({ workspaces, log }));
    }
    console.table(figures);
    results.sources = figures;
  }
  if (only.has('service')) {
    log('\n== Start-up time and idle RSS (process tree): npm start before / now vs node dist/main.js ==');
    const r = await runServiceBench({ runs: Number(flag('--runs') ?? 3), log });
    console.table(r);
    results.service = r;
  }
  results.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`\npeak RSS of this process: ${results.peakRssMb} MB\n`);
  const dir = resolve(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'all.json'), `${JSON.stringify(results, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
