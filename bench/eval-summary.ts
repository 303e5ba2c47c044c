/**
 * `npm run eval:summary -- <file.jsonl> [<file.jsonl> …]`: for each file of `{"id","text","reference"}` lines
 * (references one highlight per line), ROUGE-1/2/Lsum of Newsdesk's summarizer beside raw Lead-k on the whole
 * file and its even and odd lines, with a paired bootstrap interval of the difference; a TL;DR table when
 * every reference is one sentence; TL;DR form violations; time per article. `--sentences N` changes the
 * summary length (default 3); `--json` prints the results as JSON too.
 * Exit status: 0 when every file was scored, 1 when a file cannot be read or is empty, 2 on bad usage.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { formatFileResult } from '../src/summarize/eval-table.js';
import { evaluate, parseJsonl, type EvalRecord } from '../src/summarize/evaluate.js';
import { createSummarizer } from '../src/summarize/summarizer.js';

function main(argv: string[]): number {
  const args = argv.filter((a) => a !== '--');
  const nIndex = args.indexOf('--sentences');
  const sentences = nIndex >= 0 ? Number(args[nIndex + 1]) : 3;
  const files = args.filter((a, i) => !a.startsWith('--') && !(nIndex >= 0 && i === nIndex + 1));
  if (!files.length || !Number.isInteger(sentences) || sentences < 1) {
    process.stderr.write('usage: npm run eval:summary -- <file.jsonl> [<file.jsonl> …] [--sentences N] [--json]\n');
    return 2;
  }
  const loaded: Array<{ file: string; records: EvalRecord[] }> = [];
  for (const file of files) {
    try {
      const records = parseJsonl(readFileSync(file, 'utf8'));
      if (records.length === 0) {
        process.stderr.write(`eval:summary: ${file} has no records\n`);
        return 1;
      }
      loaded.push({ file, records });
    } catch (err) {
      process.stderr.write(`eval:summary: cannot read ${file}: ${(err as Error).message}\n`);
      return 1;
    }
  }
  const summarizer = createSummarizer();
  const results = loaded.map(({ file, records }) => ({ file, result: evaluate(records, summarizer, sentences) }));
  for (const { file, result } of results) process.stdout.write(`${formatFileResult(result, basename(file))}\n\n`);
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(results)}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
