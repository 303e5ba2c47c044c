import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

/**
 * The import rules of the house, read from the source text: static imports and re-exports, `import type`,
 * and dynamic `import()`. A checker over a tree (the project's, or a small fixture that breaks a rule).
 */
export interface ImportEdge {
  /** Importing file, relative to the tree's root, with forward slashes. */
  from: string;
  /** The specifier as written. */
  specifier: string;
  /** For a relative import: the imported file, relative to the root (extension dropped); else null. */
  target: string | null;
}

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function walk(dir: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
}

const slash = (p: string) => p.split(sep).join('/');

export function readImports(root: string): ImportEdge[] {
  const files: string[] = [];
  for (const top of ['src', 'commands']) walk(join(root, top), files);
  const edges: ImportEdge[] = [];
  for (const file of files) {
    // Comments may mention imports in prose; strip them before reading.
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
    for (const m of text.matchAll(IMPORT_RE)) {
      const specifier = m[1] ?? m[2];
      const target = specifier.startsWith('.')
        ? slash(relative(root, normalize(join(dirname(file), specifier)))).replace(/\.(js|ts|mjs)$/, '')
        : null;
      edges.push({ from: slash(relative(root, file)), specifier, target });
    }
  }
  return edges;
}

/** The part a file belongs to: `src/<folder>` for files in a folder of src, the file itself otherwise. */
export function partOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'src') return parts.length > 2 ? `src/${parts[1]}` : path.replace(/\.(js|ts)$/, '');
  return parts[0];
}

const PLATFORM_LIBRARIES: Array<{ test: (s: string) => boolean; home: string }> = [
  { test: (s) => s === 'discord.js' || s.startsWith('discord.js/') || s.startsWith('@discordjs/') || s.startsWith('discord-api-types'), home: 'src/adapters/discord/' },
  { test: (s) => s.startsWith('@slack/'), home: 'src/adapters/slack/' },
];
const DATABASE_DRIVERS = (s: string) => s === 'better-sqlite3' || s === 'pg' || s.startsWith('pg/') || s === 'pg-pool';

export function checkArchitecture(root: string): string[] {
  const edges = readImports(root);
  const problems: string[] = [];
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    for (const lib of PLATFORM_LIBRARIES) {
      if (lib.test(e.specifier) && !e.from.startsWith(lib.home)) problems.push(`platform library outside its adapter: ${e.from} imports ${e.specifier}`);
    }
    if (DATABASE_DRIVERS(e.specifier) && !e.from.startsWith('src/store/')) problems.push(`database driver outside src/store: ${e.from} imports ${e.specifier}`);
    if (!e.target) continue;
    const from = partOf(e.from);
    const to = partOf(e.target);
    if (from === 'src/store' && ['src/core', 'src/alerts', 'src/ingest', 'src/adapters', 'commands'].includes(to)) {
      problems.push(`the store imports ${to}: ${e.from} imports ${e.specifier}`);
    }
    if (from === 'src/summarize' && to === 'src/store') problems.push(`summarize imports the store: ${e.from} imports ${e.specifier}`);
    if (from === 'src/domain' && to !== 'src/domain') problems.push(`the domain imports ${to}: ${e.from} imports ${e.specifier}`);
    if ((from === 'src/core' || from === 'commands') && to === 'src/adapters') problems.push(`${from} imports an adapter: ${e.from} imports ${e.specifier}`);
    if (from !== to) {
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  for (const cycle of cycles(graph)) problems.push(`cycle between parts: ${cycle.join(' → ')}`);
  return problems.sort();
}

/** One cycle per strongly connected component of more than one part (Tarjan), as a readable path. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const found: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}
