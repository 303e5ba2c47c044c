import { z } from 'zod';
import type { OptionMeta } from '../src/core/command.js';
import { UserError } from '../src/core/errors.js';
import { isSince, parseSince } from '../src/core/time.js';

/** Options that /news and /summary share, declared once. */
export const sinceOption: OptionMeta = {
  kind: 'string',
  description: 'How far back: 30m, 24h, 7d, 2w or a date (2026-11-20)',
  example: '24h',
  maxLength: 25,
};
export const sectionOption: OptionMeta = {
  kind: 'string',
  description: 'Only this section (world, politics, business…)',
  autocomplete: 'sections',
  example: 'world',
  maxLength: 60,
};

export const sinceSchema = z
  .string()
  .max(25)
  .refine(isSince, 'a duration like 24h or 7d, or a date like 2026-11-20');

/** A validated `since` on the command's clock; a date still to come is the user's mistake, said plainly. */
export function resolveSince(value: string, now: Date): Date {
  const since = parseSince(value, now);
  if (!since) throw new UserError(`since:${value.slice(0, 25)} is in the future. Try a past date, or a duration like 24h.`);
  return since;
}
export const sectionSchema = z.string().trim().min(1).max(60).transform((s) => s.toLowerCase());
