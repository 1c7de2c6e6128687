/**
 * Tests pass whatever the caller's shell holds: every environment variable that Relais's handlers, the local
 * stack (`npm start`), the Cloud API sandbox or the AWS SDK read is removed before a test runs, so each test
 * sees only what it sets itself (`vi.stubEnv`, `startSendingStack({ env })`, `spawnLocalStack({ env })`).
 *
 * Used by `test/support/setup.ts` (every test worker), the global setups (the vitest main process, where the
 * emulators run) and `spawnLocalStack` (the environment of the `npm start` child).
 */
import { HANDLER_VARIABLES } from '../../infra/handler-environment.js';
import { AWS_SDK_NODE_WARNING_SWITCH } from '../../infra/local/aws-sdk-node-support.js';
import { ENV } from '../../infra/topology.js';
import { SEND_ENV } from '../../shared/sending-config.js';

/**
 * Variables the stack or the handlers read by name (also covered by `STACK_VARIABLE_PREFIXES` where they match):
 * every variable a handler may receive (`HANDLER_VARIABLES`, from the registry the CDK app and the local stack use).
 */
export const STACK_VARIABLES: ReadonlySet<string> = new Set([
  ...HANDLER_VARIABLES,
  ...Object.values(ENV),
  ...Object.values(SEND_ENV),
  // infra/local/start.ts
  'PORT',
  'SANDBOX_PORT',
  'LOCAL_EVENTS_LOG',
  // shared/adapters/aws-clients.ts (set by the local stack as platform wiring)
  'S3_FORCE_PATH_STYLE',
  // infra/local/sandbox/main.ts
  'RELAIS_WEBHOOK_URL',
]);

/**
 * Families of variables: Meta secrets and settings (`WHATSAPP_`), the sandbox's own (`SANDBOX_`), the AWS SDK's
 * (`AWS_`: credentials, region, profile, endpoints, retries), Powertools' (`POWERTOOLS_`), and the send
 * pipeline's settings families, so a variable added to one of them is scrubbed without editing this list.
 */
export const STACK_VARIABLE_PREFIXES: readonly string[] = ['WHATSAPP_', 'SANDBOX_', 'AWS_', 'POWERTOOLS_', 'GRAPH_API_', 'SEND_', 'OUTBOUND_', 'THROUGHPUT_', 'PAIR_'];

/**
 * Kept although they match a prefix: `AWS_CA_BUNDLE` is the machine's trust store (not a Relais setting),
 * `POWERTOOLS_LOG_LEVEL` is pinned by `vitest.config.ts` (`test.env`) for every worker, and the AWS SDK's
 * Node-version notice switch is set by `vitest.config.ts` for the machine's Node (infra/local/aws-sdk-node-support.ts).
 */
const KEPT = new Set(['AWS_CA_BUNDLE', 'POWERTOOLS_LOG_LEVEL', AWS_SDK_NODE_WARNING_SWITCH]);

/** Whether `name` is a variable the stack, a handler, the sandbox or the AWS SDK reads. */
export function isStackVariable(name: string): boolean {
  if (KEPT.has(name)) return false;
  return STACK_VARIABLES.has(name) || STACK_VARIABLE_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** A copy of `env` without any stack variable: the environment to hand a child process. */
export function hermeticEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !isStackVariable(name)) kept[name] = value;
  }
  return kept;
}

/** Deletes every stack variable from `env` (default: this process's environment); returns the names removed. */
export function scrubStackVariables(env: NodeJS.ProcessEnv = process.env): string[] {
  const removed = Object.keys(env).filter(isStackVariable);
  for (const name of removed) delete env[name];
  return removed;
}
