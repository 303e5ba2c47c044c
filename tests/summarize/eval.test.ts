import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pairedBootstrap } from '../../src/summarize/bootstrap.js';
import { formatFileResult } from '../../src/summarize/eval-table.js';
import { evaluate, leadK, oneSentenceReferences, parseJsonl } from '../../src/summarize/evaluate.js';
import { createSummarizer } from '../../src/summarize/summarizer.js';

const SAMPLE = 'tests/fixtures/summaries-sample.jsonl';
const records = parseJsonl(readFileSync(SAMPLE, 'utf8'));

describe('summary evaluation on the project sample', () => {
  it('reads the sample written for the project', () => {
    expect(records.length).toBeGreaterThanOrEqual(8);
    expect(records.length).toBeLessThanOrEqual(12);
  });

  it('scores Newsdesk beside raw Lead-3 on the whole file and its even and odd lines, and prints the table', () => {
    const result = evaluate(records, createSummarizer());
    expect(result.summary.map((s) => [s.split, s.articles])).toEqual([['whole', 10], ['even', 5], ['odd', 5]]);
    expect(result.summary[0].ours.name).toBe('Newsdesk (3 sentences)');
    expect(result.summary[0].baseline.name).toBe('Lead-3');
    for (const s of result.summary) {
      for (const v of [s.ours.rouge1, s.ours.rouge2, s.ours.rougeLsum, s.baseline.rouge1]) expect(v).toBeGreaterThan(0);
      expect(s.r1Diff.low).toBeLessThanOrEqual(s.r1Diff.mean);
      expect(s.r1Diff.high).toBeGreaterThanOrEqual(s.r1Diff.mean);
      expect(s.r1Diff.mean).toBeCloseTo(s.ours.rouge1 - s.baseline.rouge1, 6);
    }
    // The whole file is the even and odd halves together.
    const [whole, even, odd] = result.summary;
    expect(whole.ours.rouge1 * 10).toBeCloseTo(even.ours.rouge1 * 5 + odd.ours.rouge1 * 5, 6);
    // On short, clean articles, with boilerplate mixed in, ours should at least match the lead.
    expect(whole.ours.rouge1).toBeGreaterThanOrEqual(whole.baseline.rouge1 - 1);
    expect(result.tldrViolations).toBe(0);
    expect(result.tldr).toBeNull(); // the sample's references have several lines
    const table = formatFileResult(result, 'sample');
    expect(table).toMatch(/Newsdesk \(3 sentences\) R-1\/R-2\/R-Lsum/);
    expect(table).toMatch(/^whole\s+10\s/m);
    expect(table).toMatch(/^odd\s+5\s/m);
    expect(table).toMatch(/identical to Lead-3 \(same sentences, after clean-up\): \d+ of 10/);
    expect(table).toMatch(/TL;DR form violations: 0 of 10/);
    expect(table).toMatch(/summary median [\d.]+ ms, p99 [\d.]+ ms/);
  });

  it('scores TL;DRs against Lead-1 when every reference is one sentence', () => {
    const one = records.map((r) => ({ ...r, reference: r.reference.split('\n')[0] }));
    expect(oneSentenceReferences(one)).toBe(true);
    expect(oneSentenceReferences(records)).toBe(false);
    const result = evaluate(one, createSummarizer());
    expect(result.tldr?.map((s) => s.baseline.name)).toEqual(['Lead-1', 'Lead-1', 'Lead-1']);
    expect(formatFileResult(result)).toMatch(/TL;DR \(summarizer\.tldr\(\), one sentence\)/);
  });

  it('paired bootstrap: a constant difference has a point interval; a noisy one straddles its mean', () => {
    expect(pairedBootstrap([3, 4, 5], [1, 2, 3])).toEqual({ mean: 2, low: 2, high: 2 });
    const a = [10, 0, 10, 0, 10, 0, 10, 0];
    const b = [0, 10, 0, 10, 0, 10, 0, 11];
    const i = pairedBootstrap(a, b);
    expect(i.mean).toBeCloseTo(-1 / 8, 9);
    expect(i.low).toBeLessThan(-1);
    expect(i.high).toBeGreaterThan(1);
    expect(pairedBootstrap(a, b)).toEqual(i); // seeded
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

  it('runs as the CI command does and exits 0; several files give one table each; a missing file exits 1', () => {
    const out = execFileSync('npx', ['tsx', 'bench/eval-summary.ts', SAMPLE, SAMPLE], { encoding: 'utf8' });
    expect(out.match(/^== summaries-sample\.jsonl: 10 articles/gm)).toHaveLength(2);
    expect(out).toMatch(/Lead-3 R-1\/R-2\/R-Lsum/);
    expect(() => execFileSync('npx', ['tsx', 'bench/eval-summary.ts', 'tests/fixtures/no-such-file.jsonl'], { stdio: 'pipe' })).toThrow(
      expect.objectContaining({ status: 1 }),
    );
  }, 30_000);
});
