/**
 * The AWS SDK's Node-version notice, decided once for the local toolchain (`npm start`, `npm test`, `npm run bench`).
 *
 * On Node 20 and 21 every process that builds an AWS SDK client prints a `NodeVersionSupportWarning`: SDK releases
 * published after the first week of January 2027 will require Node 22 (announced in
 * https://github.com/aws/aws-sdk-js-v3/issues/7983, with this switch as the documented way to turn it off). It says
 * nothing about the SDK Relais runs: package.json pins every `@aws-sdk/*` version exactly, and those versions support
 * Node 20. Deployed code never reaches it either: the Lambda functions run `NODEJS_24_X`
 * (`infra/constructs/app-function.ts`). Locally Relais supports Node >= 20.19 ("engines" in package.json), where the
 * notice is printed once per process, so once by every vitest worker and every stack a test starts. It is switched
 * off here, on Node < 22 only, and only when the caller has not chosen a value. An SDK release that needs Node 22
 * will declare it in its own "engines", which npm reports on install (EBADENGINE): the upgrade cannot go unnoticed.
 *
 * Not imported by deployed code: the switch belongs to the machine running the local toolchain.
 */

/** The environment variable the SDK reads when a client is built (`@aws-sdk/core`, `emitWarningIfUnsupportedVersion`). */
export const AWS_SDK_NODE_WARNING_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/** The first Node major the SDK's notice does not apply to. */
const FIRST_SUPPORTED_MAJOR = 22;

/**
 * Turns the SDK's Node-version notice off in `env` when `nodeVersion` is older than Node 22 and `env` does not
 * already hold a value for the switch. Call it before the first SDK client is built; child processes inherit it.
 *
 * @param env - the environment to change. @default process.env
 * @param nodeVersion - the running Node version, as `process.versions.node` gives it. @default process.versions.node
 * @returns whether the switch was set by this call.
 */
export function quietAwsSdkNodeSupportWarning(
  env: NodeJS.ProcessEnv = process.env,
  nodeVersion: string = process.versions.node,
): boolean {
  if (env[AWS_SDK_NODE_WARNING_SWITCH] !== undefined) return false;
  const major = Number.parseInt(nodeVersion.replace(/^v/, ''), 10);
  if (!Number.isFinite(major) || major >= FIRST_SUPPORTED_MAJOR) return false;
  env[AWS_SDK_NODE_WARNING_SWITCH] = 'true';
  return true;
}
