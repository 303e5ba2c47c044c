import { defineConfig } from 'vitest/config';

/**
 * One `npm test`, one report: the main suite, then (its own group, after the main one has finished) the
 * several-instances proof, which starts three real Newsdesk processes and needs the machine to itself.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'main', include: ['tests/**/*.test.ts'], exclude: ['tests/instances/**', '**/node_modules/**'] },
      },
      {
        extends: true,
        test: {
          name: 'instances',
          include: ['tests/instances/**/*.test.ts'],
          // Alone: no other file runs beside it (groupOrder 1 starts after the main suite's group 0 has ended).
          fileParallelism: false,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
          testTimeout: 10 * 60_000,
          hookTimeout: 2 * 60_000,
        },
      },
    ],
  },
});
