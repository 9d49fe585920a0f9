// The fault suite (test/chaos, `npm run test:chaos`): a config of its own rather than a third project in
// jest.config.js, so `npm test` (which runs every project there) does not run it a second time, and CI can time
// and budget it as its own step. It reuses the integration project's transform and global setup (a migrated
// template database that each file clones) and adds a reporter that prints the scenario table at the end.
const base = require('./jest.config.js');

const integration = base.projects.find((p) => p.displayName === 'integration');

module.exports = {
  ...integration,
  displayName: 'chaos',
  testMatch: ['<rootDir>/test/chaos/**/*.chaos-spec.ts'],
  globalSetup: '<rootDir>/test/chaos/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 180000,
  reporters: ['default', '<rootDir>/test/chaos/summary-reporter.js'],
  testSequencer: '<rootDir>/test/chaos/sequencer.js',
};
