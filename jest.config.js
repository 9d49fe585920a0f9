// SWC instead of ts-jest: @nestjs 12 is ESM-only and uses import.meta, which
// ts-jest cannot load under Jest's CommonJS runtime (see shared STACK.md).
// Type-checking runs separately (`npm run typecheck`).
const fs = require('node:fs');
const swc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swc.$schema;
swc.jsc.baseUrl = __dirname;

const esmPackages = [
  '@nestjs',
  'file-type',
  'strtok3',
  'token-types',
  '@tokenizer',
  'uint8array-extras',
  '@borewit',
  '@standard-schema',
  'jose',
];

const shared = {
  transform: { '^.+\\.(t|j|mj|cj)s$': ['@swc/jest', { ...swc, swcrc: false }] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  moduleNameMapper: {
    '^@paygrid/contracts$': '<rootDir>/libs/contracts/src/index.ts',
    '^@paygrid/sdk$': '<rootDir>/libs/sdk/src/index.ts',
  },
  testEnvironment: 'node',
};

module.exports = {
  testTimeout: 60000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      // bench/: the bench's own arithmetic (CPU budget attribution, chart), not its figures.
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/bench/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      // Module specs (src/**/*.module-spec.ts, test/utils/module-kit.ts) clone the migrated database like these.
      testMatch: [
        '<rootDir>/test/**/*.int-spec.ts',
        '<rootDir>/test/**/*.e2e-spec.ts',
        '<rootDir>/src/**/*.module-spec.ts',
      ],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
};
