import { z } from 'zod';
import type { OptionMeta } from '../src/core/command.js';
import { parseSince } from '../src/core/time.js';

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
  .refine((v) => parseSince(v, new Date()) !== null, 'a duration like 24h or 7d, or a date like 2026-11-20');
export const sectionSchema = z.string().trim().min(1).max(60).transform((s) => s.toLowerCase());
