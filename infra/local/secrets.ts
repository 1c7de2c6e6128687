/**
 * Documented defaults of the local secrets, shared by `npm start` and the sandbox started on its own
 * (`npx tsx infra/local/sandbox/main.ts`), so that either signs and checks what the other expects.
 * Override them with the same variables as the deployed stack: `WHATSAPP_APP_SECRET`, `WHATSAPP_VERIFY_TOKEN`,
 * `WHATSAPP_ACCESS_TOKEN`.
 */
export const LOCAL_SECRET_DEFAULTS = {
  appSecret: 'relais-local-app-secret',
  verifyToken: 'relais-local-verify-token',
  accessToken: 'relais-local-access-token',
} as const;
