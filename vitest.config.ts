import { defineConfig } from 'vitest/config';

// Tests drive real sshd, tmux and git; on a 2-core machine two workers keep
// them honest without starving each other.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
