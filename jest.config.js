/** Tests are transpiled without type-checking (tsconfig sets isolatedModules); `npm test` type-checks once with tsc first. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // A consumer's own tests, run in the consumer's project by test/app/consumer.test.ts.
  testPathIgnorePatterns: ['/node_modules/', '/test/fixtures/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  // Many suites mostly wait on the processes they start (synth, tsc, the k3d script): a worker per
  // core, instead of Jest's default of one fewer, keeps every core busy (on 2 cores: 2 workers, not 1).
  maxWorkers: '100%',
  // Lists the cross-checks skipped because upstream/ is empty (test/support/upstream.ts).
  reporters: ['default', '<rootDir>/test/support/skipped-cross-checks.js'],
};
