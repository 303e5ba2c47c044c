import { describe, expect, it } from 'vitest';
import { splitSentences } from '../../src/summarize/sentences.js';

describe('splitSentences', () => {
  it('keeps dotted acronyms inside a sentence and splits after one that ends it', () => {
    expect(splitSentences('U.S. officials met U.K. envoys on Monday. The U.S. Senate will vote later.')).toEqual([
      'U.S. officials met U.K. envoys on Monday.',
      'The U.S. Senate will vote later.',
    ]);
    expect(splitSentences('Prices rose in the U.S. The rest of the world followed.')).toEqual([
      'Prices rose in the U.S.',
      'The rest of the world followed.',
    ]);
  });

  it('does not split after titles, months before dates, or No. before a number', () => {
    expect(splitSentences('Mr. Smith and Dr. Jones met on Jan. 5 at No. 10 Downing Street. They talked.')).toEqual([
      'Mr. Smith and Dr. Jones met on Jan. 5 at No. 10 Downing Street.',
      'They talked.',
    ]);
  });

  it('keeps decimals and initials whole', () => {
    expect(splitSentences('Growth was 3.5 percent, said J. K. Rowling. George W. Bush agreed.')).toEqual([
      'Growth was 3.5 percent, said J. K. Rowling.',
      'George W. Bush agreed.',
    ]);
  });

  it('ends a sentence inside closing quotes, straight or curly', () => {
    expect(splitSentences('She said, "We will win." Then she left. He wrote: “It is over.” Nobody replied.')).toEqual([
      'She said, "We will win."',
      'Then she left.',
      'He wrote: “It is over.”',
      'Nobody replied.',
    ]);
  });

  it('does not split a quote that continues with the attribution', () => {
    expect(splitSentences('"Is it safe?" she asked. "Yes!" he shouted, and ran.')).toEqual([
      '"Is it safe?" she asked.',
      '"Yes!" he shouted, and ran.',
    ]);
  });

  it('splits on question and exclamation marks and handles ellipses', () => {
    expect(splitSentences('Who knew? Nobody did! It went on... and on. "I was stunned..." She laughed.')).toEqual([
      'Who knew?',
      'Nobody did!',
      'It went on... and on.',
      '"I was stunned..."',
      'She laughed.',
    ]);
  });

  it('never joins lines', () => {
    expect(splitSentences('A heading without a stop\nThe body starts here. It goes on.')).toEqual([
      'A heading without a stop',
      'The body starts here.',
      'It goes on.',
    ]);
  });
});
