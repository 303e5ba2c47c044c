import { describe, expect, it } from 'vitest';
import {
  describeDays, describeSchedule, nextRun, nothingNewLine, parseDays, previousRun, runInstant, runTiming, type BriefingSchedule,
} from '../../src/alerts/briefing-schedule.js';

const iso = (t: number) => new Date(t).toISOString();
const at = (s: string) => Date.parse(s);

describe('a briefing run\'s instant, from the tz database', () => {
  it('Europe/London, spring: a time skipped by the change runs at the first minute after the gap (02:00 BST)', () => {
    // 2027-03-28 is the last Sunday of March: 01:00 GMT becomes 02:00 BST.
    expect(iso(runInstant('2027-03-28', '01:30', 'Europe/London'))).toBe('2027-03-28T01:00:00.000Z');
    expect(iso(runInstant('2027-03-28', '00:59', 'Europe/London'))).toBe('2027-03-28T00:59:00.000Z');
    expect(iso(runInstant('2027-03-28', '02:00', 'Europe/London'))).toBe('2027-03-28T01:00:00.000Z');
    expect(iso(runInstant('2027-03-28', '07:30', 'Europe/London'))).toBe('2027-03-28T06:30:00.000Z');
  });

  it('Europe/London, autumn: a time that happens twice runs once, at its first occurrence (BST)', () => {
    expect(iso(runInstant('2026-10-25', '01:30', 'Europe/London'))).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(runInstant('2026-10-25', '07:30', 'Europe/London'))).toBe('2026-10-25T07:30:00.000Z');
  });

  it('America/New_York, both changes', () => {
    expect(iso(runInstant('2027-03-14', '02:30', 'America/New_York'))).toBe('2027-03-14T07:00:00.000Z');
    expect(iso(runInstant('2026-11-01', '01:30', 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
    expect(iso(runInstant('2026-11-01', '07:30', 'America/New_York'))).toBe('2026-11-01T12:30:00.000Z');
  });

  it('Australia/Lord_Howe, whose clocks move half an hour', () => {
    // 2026-10-04 02:00 (+10:30) becomes 02:30 (+11); 2027-04-04 02:00 (+11) becomes 01:30 (+10:30).
    expect(iso(runInstant('2026-10-04', '02:15', 'Australia/Lord_Howe'))).toBe('2026-10-03T15:30:00.000Z');
    expect(iso(runInstant('2027-04-04', '01:45', 'Australia/Lord_Howe'))).toBe('2027-04-03T14:45:00.000Z');
    expect(iso(runInstant('2027-04-04', '07:30', 'Australia/Lord_Howe'))).toBe('2027-04-03T21:00:00.000Z');
  });

  it('Asia/Kolkata, with no change at all', () => {
    expect(iso(runInstant('2027-03-28', '07:30', 'Asia/Kolkata'))).toBe('2027-03-28T02:00:00.000Z');
    expect(iso(runInstant('2026-10-25', '07:30', 'Asia/Kolkata'))).toBe('2026-10-25T02:00:00.000Z');
  });
});

describe('days: and the next run', () => {
  it('parses daily, mon-fri, sat,sun and lists; refuses anything else', () => {
    expect(parseDays('daily')).toEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
    expect(parseDays('mon-fri')).toEqual(['mon', 'tue', 'wed', 'thu', 'fri']);
    expect(parseDays('sat,sun')).toEqual(['sat', 'sun']);
    expect(parseDays('fri, Mon,wed')).toEqual(['mon', 'wed', 'fri']);
    expect(parseDays('weekends')).toBeNull();
    expect(parseDays('mon-wed')).toBeNull();
    expect(parseDays('mon,funday')).toBeNull();
    expect(describeDays(parseDays('mon-fri')!)).toBe('mon-fri');
    expect(describeDays(parseDays('daily')!)).toBe('daily');
    expect(describeDays(parseDays('sun,sat')!)).toBe('sat,sun');
  });

  const weekdays: BriefingSchedule = { at: '07:30', tz: 'Europe/London', days: ['mon', 'tue', 'wed', 'thu', 'fri'] };

  it('mon-fri: a run on Friday is followed by Monday\'s; the run at its own instant is not "next"', () => {
    // 2026-11-27 is a Friday.
    expect(nextRun(weekdays, at('2026-11-27T07:29:59Z'))).toEqual({ localDate: '2026-11-27', dueAt: at('2026-11-27T07:30:00Z') });
    expect(nextRun(weekdays, at('2026-11-27T07:30:00Z'))).toEqual({ localDate: '2026-11-30', dueAt: at('2026-11-30T07:30:00Z') });
    expect(previousRun(weekdays, at('2026-11-30T07:30:00Z'))).toEqual({ localDate: '2026-11-30', dueAt: at('2026-11-30T07:30:00Z') });
    expect(previousRun(weekdays, at('2026-11-30T07:29:00Z'))).toEqual({ localDate: '2026-11-27', dueAt: at('2026-11-27T07:30:00Z') });
  });

  it('the local date keys the run: late evening UTC is already tomorrow in Kolkata', () => {
    const kolkata: BriefingSchedule = { at: '07:30', tz: 'Asia/Kolkata', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] };
    expect(nextRun(kolkata, at('2026-11-25T21:00:00Z'))).toEqual({ localDate: '2026-11-26', dueAt: at('2026-11-26T02:00:00Z') });
  });

  it('as /alerts list shows it', () => {
    expect(describeSchedule(weekdays, at('2026-11-27T09:00:00Z'))).toBe('briefing 07:30 Europe/London mon-fri · next Mon 07:30');
    expect(describeSchedule({ ...weekdays, at: '01:30', days: ['sun'] }, at('2027-03-27T12:00:00Z'))).toBe('briefing 01:30 Europe/London sun · next Sun 02:00');
  });
});

describe('missed runs and empty periods', () => {
  it('posts a run less than two hours late (marked late after five minutes); skips one later than that', () => {
    const due = at('2026-11-26T07:30:00Z');
    expect(runTiming(due, due)).toEqual({ post: true, late: false });
    expect(runTiming(due, due + 4 * 60_000)).toEqual({ post: true, late: false });
    expect(runTiming(due, due + 90 * 60_000)).toEqual({ post: true, late: true });
    expect(runTiming(due, due + 120 * 60_000)).toEqual({ post: false, lateMs: 7_200_000 });
  });

  it('an empty period is one line naming when the last run was', () => {
    expect(nothingNewLine(at('2026-11-26T07:30:00Z'), at('2026-11-27T07:30:00Z'), 'Europe/London')).toBe('Nothing new since 07:30 yesterday');
    expect(nothingNewLine(at('2026-11-27T07:30:00Z'), at('2026-11-30T07:30:00Z'), 'Europe/London')).toBe('Nothing new since 07:30 Fri');
    expect(nothingNewLine(at('2026-11-27T02:00:00Z'), at('2026-11-27T12:00:00Z'), 'Asia/Kolkata')).toBe('Nothing new since 07:30');
  });
});
