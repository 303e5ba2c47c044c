import { join } from 'node:path';
import { loadArticleFiles } from './src/ingest/files.js';
import { openPostgresStore } from './src/store/postgres/index.js';
import { openSqliteStore } from './src/store/sqlite/index.js';
// @ts-nocheck
const src = await import('/tmp/pgprobe/set-mod.ts');
const NOW = new Date('2026-11-25T12:00:00Z');
for (const backend of ['sqlite', 'postgres']) {
  const store = backend === 'sqlite' ? openSqliteStore(':memory:', { now: () => NOW }) : await openPostgresStore('postgres://postgres@127.0.0.1:5432/test', { now: () => NOW, schema: 'nd_probe_rel' });
  if (backend === 'postgres') await (store as any).db.query('TRUNCATE articles, article_versions');
  await loadArticleFiles(join(process.cwd(), 'data/articles'), store.articles, { onWarning: () => undefined });
  let sum = 0; const misses: string[] = [];
  for (const j of src.SET) {
    const ids = (await store.articles.search({ text: j.q, limit: 5, offset: 0 })).items.map((a) => a.id);
    const n = src.ndcgAt5(ids, j.grades); sum += n;
    if (!j.first.includes(ids[0])) misses.push(j.q);
    if (n < 0.9) console.log(backend, j.q, n.toFixed(2), ids.join(','));
  }
  console.log(backend, 'mean', (sum / src.SET.length).toFixed(3), 'misses', misses);
  await store.close();
}
