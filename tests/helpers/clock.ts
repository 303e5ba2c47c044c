/**
 * The instant the sample articles in data/ are written around: tests that read them see this as "now",
 * whatever the real date (CI also runs the suite with the system clock moved 400 days ahead).
 */
export const TEST_NOW = new Date('2026-11-25T12:00:00Z');
export const TEST_CLOCK = (): Date => new Date(TEST_NOW.getTime());
