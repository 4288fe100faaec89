import { z } from 'zod';

const UNITS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `30d`, `12h`, `15m` or `90s`, as milliseconds; `off` as null. */
export const durationSchema = z.union([z.literal('off'), z.string().regex(/^\d+\s*[smhd]$/)], {
  error: (issue) => `is ${JSON.stringify(issue.input)}; write a whole number and a unit, e.g. 30d, 12h, 15m or 90s, or off`,
}).transform((text) => {
  if (text === 'off') return null;
  const unit = text.slice(-1);
  return Number.parseInt(text, 10) * (UNITS[unit] ?? 0);
}).refine((ms) => ms === null || ms > 0, { error: 'is zero; write a positive duration such as 30d, or off' });
