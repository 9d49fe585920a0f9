// @ts-check
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'libs/*/dist/**',
      'libs/sdk/src/generated/**',
      'node_modules/**',
      'coverage/**',
      '.data/**',
      'jest.config.js',
      'eslint.config.mjs',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Signature checks must be constant-time (RELIABILITY S4): compare digests with crypto.timingSafeEqual.
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'BinaryExpression[operator=/^[!=]==?$/] > Identifier[name=/^(signature|expectedSignature|mac|expectedMac|digest)$/]',
          message: 'Compare signatures with crypto.timingSafeEqual, never ===.',
        },
      ],
    },
  },
  {
    // libs/contracts is an npm workspace: src imports it by its name, which the compiled app (dist/, the Docker
    // image) resolves through node_modules/@paygrid/contracts to the package's build.
    files: ['src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/libs/contracts/**'],
              message: 'Import the event contract as @paygrid/contracts (the npm workspace), not by path into libs/.',
            },
            { group: ['@paygrid/sdk', '**/libs/sdk/**'], message: 'The server does not use the merchant SDK.' },
          ],
        },
      ],
    },
  },
  {
    // The simulators are the providers' counterparts: sharing the adapters' code would make every
    // adapter<->simulator flow agree with itself. Only the port's types may cross. The test harness
    // (sandbox/testing) and specs wire adapters to simulators, so they are exempt.
    files: ['src/modules/sandbox/**/*.ts'],
    // sandbox-providers.config.ts maps the simulators' keys onto the adapters' config (types only): wiring too.
    ignores: ['**/*.spec.ts', 'src/modules/sandbox/testing/**', 'src/modules/sandbox/sandbox-providers.config.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/libs/contracts/**'],
              message: 'Import the event contract as @paygrid/contracts (the npm workspace), not by path into libs/.',
            },
            { group: ['@paygrid/sdk', '**/libs/sdk/**'], message: 'The server does not use the merchant SDK.' },
            {
              group: ['**/providers/*', '**/providers/**', '!**/providers/provider.port'],
              message: "Simulators never use the adapters' code (src/modules/providers), except the port types.",
            },
          ],
        },
      ],
    },
  },
);
