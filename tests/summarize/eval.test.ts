import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate, formatTable, leadK, parseJsonl } from '../../src/summarize/evaluate.js';
import { createSummarizer } from '../../src/summarize/summarizer.js';

const SAMPLE = 'tests/fixtures/summaries-sample.jsonl';
const records = parseJsonl(readFileSync(SAMPLE, 'utf8'));

describe('summary evaluation on the project sample', () => {
  it('reads the sample written for the project', () => {
    expect(records.length).toBeGreaterThanOrEqual(8);
    expect(records.length).toBeLessThanOrEqual(12);
  });

  it('scores Newsdesk beside Lead-3 and prints the table', () => {
    const result = evaluate(records, createSummarizer());
    expect(result.systems.map((s) => s.name)).toEqual(['Newsdesk (3 sentences)', 'Lead-3', 'Lead-3 after clean-up']);
    for (const s of result.systems) {
      for (const v of [s.rouge1, s.rouge2, s.rougeLsum]) expect(v).toBeGreaterThan(0);
    }
    // On short, clean articles, with boilerplate mixed in, ours should at least match the lead.
    expect(result.systems[0].rouge1).toBeGreaterThanOrEqual(result.systems[1].rouge1 - 1);
    const table = formatTable(result);
    expect(table).toMatch(/R-1\s+R-2\s+R-Lsum/);
    expect(table).toMatch(/identical to Lead-3 \(same sentences, after clean-up\): \d+ of 10/);
    expect(table).toMatch(/median [\d.]+ ms, p99 [\d.]+ ms/);
  });

  it('never puts boilerplate from the sample into a summary', () => {
    const s = createSummarizer();
    for (const r of records) {
      const text = s.summarize({ title: r.title ?? '', dek: '', body: r.text }, 3).join(' ');
      expect(text).not.toMatch(/read more|related:|see also|sign up|subscribe|advertisement|getty|photo:|image caption|^by /i);
      expect(text).not.toMatch(/\(Newsdesk Wire\)|WESTPORT —/);
    }
  });

  it('Lead-3 is the first three sentences as published', () => {
    expect(leadK('One. Two. Three. Four.', 3)).toEqual(['One.', 'Two.', 'Three.']);
  });

  it('runs as the CI command does and exits 0', () => {
    const out = execFileSync('npx', ['tsx', 'bench/eval-summary.ts', SAMPLE], { encoding: 'utf8' });
    expect(out).toMatch(/Newsdesk \(3 sentences\)/);
    expect(out).toMatch(/Lead-3/);
  }, 30_000);
});
