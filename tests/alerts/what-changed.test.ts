import { describe, expect, it } from 'vitest';
import { changedNumbers, describeChanges, whatChanged, type VersionText } from '../../src/alerts/what-changed.js';

const v1: VersionText = {
  title: 'Earthquake strikes Ostravia capital',
  dek: 'A strong quake hit at dawn.',
  body: 'At least 12 people died and 1,200 homes were damaged. Rescue teams are searching the old town.',
  priority: 'breaking',
  status: 'published',
};
const lines = (before: VersionText, after: Partial<VersionText>) => describeChanges(whatChanged(before, { ...before, ...after }));

describe('what changed between two versions', () => {
  it('a death-toll update: the numbers paired by the word after them, no sentence counted as added', () => {
    expect(lines(v1, {
      body: 'At least 15 people died and 1,350 homes were damaged. Rescue teams are searching the old town.',
    })).toEqual(['Numbers: 12 → 15 people; 1,200 → 1,350 homes']);
  });

  it('a headline change: before → after', () => {
    expect(lines(v1, { title: 'Magnitude 7 earthquake strikes Ostravia capital' })).toEqual([
      'Headline: “Earthquake strikes Ostravia capital” → “Magnitude 7 earthquake strikes Ostravia capital”',
    ]);
  });

  it('added sentences: at most three, shortest first', () => {
    const body = `${v1.body} Aftershocks continued through the morning and into the afternoon. Schools are closed. `
      + 'The airport reopened at noon. The prime minister will visit the region tomorrow with the interior minister.';
    expect(lines(v1, { body })).toEqual([
      'Added: Schools are closed.',
      'Added: The airport reopened at noon.',
      'Added: Aftershocks continued through the morning and into the afternoon.',
    ]);
  });

  it('a correction: the status first, then what moved', () => {
    expect(lines(v1, {
      status: 'corrected',
      body: 'At least 12 people died and 1,100 homes were damaged. Rescue teams are searching the old town.',
    })).toEqual(['Corrected by its publisher.', 'Numbers: 1,200 → 1,100 homes']);
  });

  it('a retraction says so first and lists no added sentences', () => {
    expect(lines(v1, { status: 'retracted', body: 'This story has been withdrawn.' })).toEqual(['Retracted by its publisher.']);
  });

  it('numbers followed by different words are never paired', () => {
    expect(changedNumbers('12 people were hurt.', '15 homes were hurt.')).toEqual([]);
    expect(lines(v1, {
      body: 'At least 15 injured and 1,200 homes were damaged. Rescue teams are searching the old town.',
    })).toEqual(['Added: At least 15 injured and 1,200 homes were damaged.']);
  });

  it('the same number written another way, a time or a version number are no change', () => {
    expect(changedNumbers('1200 homes at 07:30 local', '1,200 homes at 07:45 local')).toEqual([]);
    expect(changedNumbers('1.50 metres', '1.5 metres')).toEqual([]);
  });

  it('a word with several numbers on either side is not guessed', () => {
    expect(changedNumbers('12 people in the north and 4 people in the south', '15 people in the north and 4 people in the south')).toEqual([]);
  });

  it('a priority change is said; nothing visible changed says nothing', () => {
    expect(lines(v1, { priority: 'urgent' })).toEqual(['Now urgent (was breaking).']);
    expect(lines(v1, { body: `${v1.body}  ` })).toEqual([]);
  });
});
