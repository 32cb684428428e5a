/** Tests run TypeScript through ts-jest (transpile only; `npm run typecheck` checks types). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // A failure bound, not an expectation: a loaded 2-core machine can take long to start servers.
  testTimeout: 60000,
  maxWorkers: 2,
  // A worker that has grown past this between test files (embedded databases, browsers) is replaced,
  // so one long run cannot slow to a crawl collecting garbage near its heap limit.
  workerIdleMemoryLimit: '1GB',
};
