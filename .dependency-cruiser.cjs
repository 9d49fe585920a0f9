// Import rules of the house (docs/architecture.md), checked by `npm run lint:deps` in CI.
// Paths are relative to the directory depcruise runs in, so the same rules judge the bad imports of
// test/fixtures/depcruise (test/integration/dependency-rules.int-spec.ts runs them there).
const path = require('node:path');

/**
 * The allowed arrows between modules: DESIGN's module table, plus the shared infrastructure modules
 * (admin's audit log and admin-API decorator, observability, messaging). Everything may also use the
 * ground floor (src/common, src/persistence, src/config) and libs/contracts. A module missing here
 * may import no other module.
 */
const MODULE_ARROWS = {
  admin: [],
  auth: ['admin', 'crypto', 'merchants'],
  // The hosted cashier starts ordinary payments through PaymentsService and signs returns with the platform key;
  // its sessions' status changes go through the outbox (checkout_session.* events) like every other aggregate's.
  checkout: ['auth', 'merchants', 'notifications', 'payments', 'providers'],
  crypto: [],
  demo: ['admin', 'merchants', 'providers'],
  health: ['messaging'],
  ledger: ['admin'],
  merchants: ['admin', 'crypto', 'observability', 'providers'],
  messaging: [],
  notifications: ['admin', 'auth', 'crypto', 'merchants', 'messaging', 'observability'],
  observability: [],
  // settlements reaches payment resolution through a port that payments implements (payment-resolution.port.ts).
  payments: [
    'admin',
    'auth',
    'ledger',
    'merchants',
    'notifications',
    'providers',
    'vault',
    'settlements/payment-resolution\\.port\\.ts$',
  ],
  providers: ['crypto'],
  sandbox: ['crypto', 'providers'],
  settlements: ['admin', 'auth', 'ledger', 'merchants', 'notifications', 'providers'],
  vault: ['auth', 'crypto', 'providers'],
};

const allowedTarget = (target) => (target.includes('/') ? target : `${target}/`);

const moduleArrowRules = Object.entries(MODULE_ARROWS).map(([from, to]) => ({
  name: `module-arrows-${from}`,
  comment: `${from} may import only ${to.length ? to.join(', ') : 'no other module'} (docs/architecture.md)`,
  severity: 'error',
  from: { path: `^src/modules/${from}/` },
  to: {
    path: '^src/modules/',
    pathNot: [`^src/modules/${from}/`, ...to.map((t) => `^src/modules/${allowedTarget(t)}`)],
  },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Files that import each other in a loop: no floor can be given to them.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'unknown-module',
      comment: 'A new module folder needs its arrows listed in MODULE_ARROWS (.dependency-cruiser.cjs).',
      severity: 'error',
      from: {
        path: '^src/modules/',
        pathNot: `^src/modules/(${Object.keys(MODULE_ARROWS).join('|')})/`,
      },
      to: { path: '.' },
    },
    {
      name: 'crypto-imports-no-domain-module',
      comment: 'crypto stands below every domain module (DESIGN: node:crypto and jose only).',
      severity: 'error',
      from: { path: '^src/modules/crypto/' },
      to: { path: '^src/modules/', pathNot: '^src/modules/crypto/' },
    },
    {
      name: 'ledger-knows-no-payments-or-providers',
      comment: 'The ledger knows accounts and journals, not payments, channels or their events.',
      severity: 'error',
      from: { path: '^src/modules/ledger/' },
      to: { path: '^src/modules/(payments|providers|sandbox|settlements|notifications|vault|merchants|auth)/' },
    },
    {
      name: 'ledger-core-knows-no-http',
      comment: "The ledger's core (service, repository, journal, types) never sees HTTP; only its admin edge does.",
      severity: 'error',
      from: {
        path: '^src/modules/ledger/',
        pathNot: '(-admin\\.|\\.controller\\.|/dto/|\\.mapper\\.|-reports\\.|\\.module\\.ts$)',
      },
      to: {
        path: '(^src/common/http/|^src/modules/admin/|node_modules/(express|@nestjs/swagger|@nestjs/platform-express)/)',
      },
    },
    {
      name: 'providers-never-import-payments',
      comment: 'Providers speak a normalized provider contract; the payments side applies their results.',
      severity: 'error',
      from: { path: '^src/modules/providers/' },
      to: { path: '^src/modules/(payments|settlements|ledger|notifications|sandbox)/' },
    },
    {
      name: 'notifications-never-import-payments',
      comment: 'Events are contracts (libs/contracts): notifications know no producer.',
      severity: 'error',
      from: { path: '^src/modules/notifications/' },
      to: { path: '^src/modules/(payments|settlements|ledger|providers|vault)/' },
    },
    {
      name: 'ground-floor-imports-no-module',
      comment:
        'src/common, src/persistence and src/config are the ground floor: they import no module and nothing above.',
      severity: 'error',
      from: { path: '^src/(common|persistence|config)/' },
      to: { path: '(^src/modules/|^src/database/|^src/workers/|^src/[^/]+\\.ts$)' },
    },
    {
      name: 'only-the-top-composes',
      comment:
        'src/database, the app module, the entrypoints and the other files at the root of src/ are the top: only the top imports them.',
      severity: 'error',
      from: { path: '^(src/(modules|common|persistence|config)/|libs/)' },
      to: { path: '(^src/database/|^src/workers/|^src/[^/]+\\.ts$)' },
    },
    {
      name: 'libs-import-no-src',
      comment: 'libs/contracts and libs/sdk are published on their own: they cannot reach into the server.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^src/' },
    },
    {
      name: 'server-does-not-use-the-sdk',
      comment: 'The merchant SDK is a client of the API; the server shares only the event contracts.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^libs/sdk/' },
    },
    ...moduleArrowRules,
  ],
  options: {
    // Type-only imports count: the providers circle of issue #21 was made of them.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: path.join(__dirname, 'tsconfig.json') },
    exclude: { path: '([.-]spec\\.ts$|node_modules|^libs/[^/]+/dist/)' },
    doNotFollow: { path: 'node_modules' },
  },
};
