import * as jsRouge from 'js-rouge';
import { describe, expect, it } from 'vitest';
import { porterStem } from '../../src/summarize/porter.js';
import { rougeTokens, scoreSummary } from '../../src/summarize/rouge.js';

describe('porterStem (the published algorithm)', () => {
  // Examples from Porter (1980), step by step, and the usual test vocabulary.
  const pairs: Record<string, string> = {
    caresses: 'caress', ponies: 'poni', ties: 'ti', caress: 'caress', cats: 'cat',
    feed: 'feed', agreed: 'agre', plastered: 'plaster', bled: 'bled', motoring: 'motor', sing: 'sing',
    conflated: 'conflat', troubled: 'troubl', sized: 'size', hopping: 'hop', tanned: 'tan', falling: 'fall',
    hissing: 'hiss', fizzed: 'fizz', failing: 'fail', filing: 'file', happy: 'happi', sky: 'sky',
    relational: 'relat', conditional: 'condit', rational: 'ration', valenci: 'valenc', hesitanci: 'hesit',
    digitizer: 'digit', conformabli: 'conform', radicalli: 'radic', differentli: 'differ', vileli: 'vile',
    analogousli: 'analog', vietnamization: 'vietnam', predication: 'predic', operator: 'oper',
    feudalism: 'feudal', decisiveness: 'decis', hopefulness: 'hope', callousness: 'callous',
    formaliti: 'formal', sensitiviti: 'sensit', sensibiliti: 'sensibl', triplicate: 'triplic',
    formative: 'form', formalize: 'formal', electriciti: 'electr', electrical: 'electr', hopeful: 'hope',
    goodness: 'good', revival: 'reviv', allowance: 'allow', inference: 'infer', airliner: 'airlin',
    gyroscopic: 'gyroscop', adjustable: 'adjust', defensible: 'defens', irritant: 'irrit',
    replacement: 'replac', adjustment: 'adjust', dependent: 'depend', adoption: 'adopt', homologou: 'homolog',
    communism: 'commun', activate: 'activ', angulariti: 'angular', homologous: 'homolog', effective: 'effect',
    bowdlerize: 'bowdler', probate: 'probat', rate: 'rate', cease: 'ceas', controll: 'control', roll: 'roll',
    generalizations: 'gener', oscillators: 'oscil', connection: 'connect', connecting: 'connect',
  };
  for (const [word, stem] of Object.entries(pairs)) {
    it(`${word} → ${stem}`, () => expect(porterStem(word)).toBe(stem));
  }
});

describe('rougeTokens', () => {
  it('lowercases, splits on non-alphanumerics and stems only tokens longer than 3 characters', () => {
    expect(rougeTokens("U.S. officials' visits—ended, 3.5%")).toEqual(['u', 's', 'offici', 'visit', 'end', '3', '5']);
    expect(rougeTokens('Ties are rated', false)).toEqual(['ties', 'are', 'rated']);
    expect(rougeTokens('ties')).toEqual(['ti']);
    expect(rougeTokens('was')).toEqual(['was']);
  });
});

describe('ROUGE (unstemmed) agrees with js-rouge', () => {
  const tokenizer = (s: string) => rougeTokens(s, false);
  const segmenter = (s: string) => s.split('\n');
  const examples: Array<{ summary: string[]; reference: string }> = [
    {
      summary: ['The council approved the ferry plan on Tuesday.', 'Two new routes will start in spring.'],
      reference: 'Council approves ferry plan.\nTwo routes start next spring, costing $4.5 million.',
    },
    {
      summary: ['Storm winds of 130 km/h cut power to 40,000 homes.', 'Schools stay closed on Monday.', 'No one was hurt.'],
      reference: 'A storm left 40,000 homes without power.\nSchools in three towns stay closed Monday.',
    },
    {
      summary: ['The cat sat on the mat and the cat slept.'],
      reference: 'the cat slept on the mat\nthe dog sat on the cat',
    },
    {
      summary: ['Nothing in common here at all.'],
      reference: 'Completely different words appear.',
    },
  ];
  examples.forEach(({ summary, reference }, i) => {
    it(`example ${i + 1}: ROUGE-1, ROUGE-2 and ROUGE-Lsum F1`, () => {
      const ours = scoreSummary(summary, reference, false);
      const cand = summary.join('\n');
      expect(ours.rouge1.f1).toBeCloseTo(jsRouge.n(cand, reference, { n: 1, tokenizer }), 10);
      expect(ours.rouge2.f1).toBeCloseTo(jsRouge.n(cand, reference, { n: 2, tokenizer }), 10);
      expect(ours.rougeLsum.f1).toBeCloseTo(jsRouge.l(cand, reference, { tokenizer, segmenter }), 10);
    });
  });

  it('stemming raises credit for inflected matches', () => {
    const plain = scoreSummary(['Officials visited the flooded towns.'], 'Official visits to flooding town', false);
    const stemmed = scoreSummary(['Officials visited the flooded towns.'], 'Official visits to flooding town');
    expect(stemmed.rouge1.f1).toBeGreaterThan(plain.rouge1.f1);
  });
});
