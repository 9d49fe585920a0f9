export const DEMO_CREDENTIALS_FILE = 'demo-credentials.json';

/** What the sandbox seed creates on the first start and keeps (0600) in PAYGRID_DATA_DIR. */
export interface DemoCredentials {
  base_url: string;
  merchant_id: string;
  app_id: string;
  key_id: string;
  secret: string;
  admin_token?: string;
  admin_token_source: 'generated' | 'PAYGRID_ADMIN_TOKEN';
}

/** The credentials as the boot block shows them, once. */
export function demoCredentialLines(c: DemoCredentials, file: string): string[] {
  return [
    `Sandbox demo merchant created (shown once; also saved to ${file}):`,
    `  merchant      ${c.merchant_id}`,
    `  app / key     ${c.app_id} / ${c.key_id}`,
    `  HMAC secret   ${c.secret}`,
    ...(c.admin_token ? [`  admin token   ${c.admin_token}`] : []),
    'Take a payment end to end with: npm run demo',
  ];
}
