/**
 * `npm run eval:summary -- <file.jsonl>`: ROUGE-1/2/Lsum of Newsdesk's summarizer beside Lead-3 on a file
 * of `{"id","text","reference"}` lines (references one highlight per line), and time per article.
 * `--sentences N` changes the summary length (default 3); `--json` prints the result as JSON too.
 */
import { readFileSync } from 'node:fs';
import { evaluate, formatTable, parseJsonl } from '../src/summarize/evaluate.js';
import { createSummarizer } from '../src/summarize/summarizer.js';

function main(argv: string[]): number {
  const args = argv.filter((a) => a !== '--');
  const file = args.find((a) => !a.startsWith('--'));
  const nIndex = args.indexOf('--sentences');
  const sentences = nIndex >= 0 ? Number(args[nIndex + 1]) : 3;
  if (!file || !Number.isInteger(sentences) || sentences < 1) {
    process.stderr.write('usage: npm run eval:summary -- <file.jsonl> [--sentences N] [--json]\n');
    return 2;
  }
  let records;
  try {
    records = parseJsonl(readFileSync(file, 'utf8'));
  } catch (err) {
    process.stderr.write(`eval:summary: cannot read ${file}: ${(err as Error).message}\n`);
    return 1;
  }
  if (records.length === 0) {
    process.stderr.write(`eval:summary: ${file} has no records\n`);
    return 1;
  }
  const result = evaluate(records, createSummarizer(), sentences);
  process.stdout.write(`${formatTable(result)}\n`);
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
