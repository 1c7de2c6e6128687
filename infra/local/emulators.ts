/**
 * The local AWS emulators the local stack and the integration tests run against:
 * - DynamoDB Local 1.25.1 (a Java child process, installed under `.cache/dynamodb-local` by
 *   `infra/local/ensure-deps.mjs`), in memory with one shared database for every credential and region;
 * - fauxqs 1.9.2, in process, for SQS (FIFO), S3 and SNS on one endpoint bound to 127.0.0.1, its message-body
 *   check widened to SQS's character set (characters outside the BMP, i.e. emoji, are accepted as on AWS);
 * plus the provisioning of what `infra/topology.ts` describes (tables with their GSIs and TTL), the payload
 * bucket and FIFO queues with a FIFO dead-letter queue.
 *
 * Local clients use static dummy credentials and region eu-west-1 (`localClientConfig`). Facts worth knowing:
 * - Queue URLs are `http://127.0.0.1:<port>/000000000000/<name>`: reachable, so an SQS client configured only
 *   through `AWS_ENDPOINT_URL_SQS` works (the SDK sends each call to the QueueUrl's host when the client has
 *   no explicit `endpoint`; with fauxqs' default `sqs.<region>.localhost` URLs that host does not resolve).
 * - S3 clients should set `forcePathStyle: true`: virtual-hosted requests need `<bucket>.<host>` to resolve,
 *   which fails for `localhost`; with an IP endpoint the SDK falls back to path style by itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';

import type { TableSpec } from '../topology.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where `infra/local/ensure-deps.mjs` installs DynamoDB Local. */
export const DYNAMODB_LOCAL_DIR = join(ROOT, '.cache', 'dynamodb-local');
export const LOCAL_REGION = 'eu-west-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
/** The account id fauxqs puts in queue URLs and ARNs. */
export const LOCAL_ACCOUNT_ID = '000000000000';

const LOOPBACK = '127.0.0.1';
const DYNAMODB_READY_DEADLINE_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_BYTES = 8 * 1024;
const PORT_RETRIES = 3;

export interface RunningEmulator {
  /** `http://127.0.0.1:<port>`, for the `endpoint` of an AWS SDK client. */
  readonly endpoint: string;
  readonly port: number;
  /** Stops the emulator and resolves once it is gone. Safe to call more than once. */
  stop(): Promise<void>;
}

/** Client settings for an emulator endpoint: dummy static credentials, region eu-west-1. */
export function localClientConfig(endpoint: string): {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  return { endpoint, region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } };
}

/** A TCP port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: LOOPBACK, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('findFreePort: the OS returned no TCP port'));
      });
    });
  });
}

/**
 * Whether nothing listens on `port` on any interface (DynamoDB Local binds all of them). Checked before
 * spawning because the readiness probe cannot tell our emulator from another server already on the port.
 */
function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolveFree, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolveFree(false);
      else reject(error);
    });
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolveFree(true)));
  });
}

// -----------------------------------------------------------------------------------------------------------
// Child processes never outlive this process
// -----------------------------------------------------------------------------------------------------------

const liveChildren = new Set<ChildProcess>();
const TERMINATING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function killLiveChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}

function onTerminatingSignal(signal: NodeJS.Signals): void {
  killLiveChildren();
  // When nobody else handles the signal, restore the default behaviour (terminate) that listening disabled.
  if (process.listenerCount(signal) === 1) {
    unwatchParent();
    process.kill(process.pid, signal);
  }
}

let watchingParent = false;

function watchParent(): void {
  if (watchingParent) return;
  watchingParent = true;
  process.on('exit', killLiveChildren);
  for (const signal of TERMINATING_SIGNALS) process.on(signal, onTerminatingSignal);
}

function unwatchParent(): void {
  if (!watchingParent) return;
  watchingParent = false;
  process.removeListener('exit', killLiveChildren);
  for (const signal of TERMINATING_SIGNALS) process.removeListener(signal, onTerminatingSignal);
}

function adopt(child: ChildProcess): void {
  liveChildren.add(child);
  watchParent();
  const release = (): void => {
    liveChildren.delete(child);
    if (liveChildren.size === 0) unwatchParent();
  };
  child.once('exit', release);
  // A child that could not be spawned (no pid) emits 'error' and never 'exit'.
  child.once('error', () => {
    if (child.pid === undefined) release();
  });
}

/**
 * Covers the case no handler can: this process killed with SIGKILL. A tiny shell holds the read end of a
 * pipe whose write end only this process holds; when this process dies for any reason the shell reads EOF
 * and kills the child.
 */
function spawnOrphanGuard(childPid: number): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  const guard = spawn('/bin/sh', ['-c', 'while read -r _; do :; done; kill -KILL "$1" 2>/dev/null', 'relais-orphan-guard', String(childPid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  guard.on('error', () => {
    // Without /bin/sh the exit and signal handlers still cover every case except SIGKILL.
  });
  guard.unref();
  (guard.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  adopt(guard);
  return guard;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolveExit) => {
    const timer = setTimeout(() => {
      child.removeListener('exit', onExit);
      resolveExit(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolveExit(true);
    };
    child.once('exit', onExit);
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, STOP_GRACE_MS)) return;
  child.kill('SIGKILL');
  await waitForExit(child, STOP_GRACE_MS);
}

// -----------------------------------------------------------------------------------------------------------
// DynamoDB Local
// -----------------------------------------------------------------------------------------------------------

export interface DynamoDbLocalOptions {
  /** Port to listen on; a free one is picked when omitted. DynamoDB Local listens on every interface. */
  readonly port?: number;
  /** Directory holding DynamoDBLocal.jar and DynamoDBLocal_lib; defaults to `.cache/dynamodb-local`. */
  readonly installDir?: string;
  /** JVM options placed before `-jar`; defaults to `DYNAMODB_LOCAL_JVM_OPTIONS`. */
  readonly jvmOptions?: readonly string[];
}

/**
 * C1-only JIT: on the 2-core machines the project runs on, C2 compilation competes with the client for CPU.
 * Measured there under load: ready in 2.4–3.9 s instead of 3.7–5.0 s, and 730–920 instead of ~530 puts/s
 * over a 4,000-put run at concurrency 16.
 */
export const DYNAMODB_LOCAL_JVM_OPTIONS: readonly string[] = ['-XX:TieredStopAtLevel=1'];

/** `$JAVA_HOME/bin/java` when JAVA_HOME points at a JDK/JRE, else `java` from PATH (same rule as ensure-deps). */
function javaExecutable(): string {
  const home = process.env.JAVA_HOME;
  if (home) {
    const candidate = join(home, 'bin', process.platform === 'win32' ? 'java.exe' : 'java');
    if (existsSync(candidate)) return candidate;
  }
  return 'java';
}

function assertInstalled(installDir: string): void {
  const jar = join(installDir, 'DynamoDBLocal.jar');
  const lib = join(installDir, 'DynamoDBLocal_lib');
  const present = existsSync(jar) && existsSync(lib) && statSync(lib).isDirectory();
  if (!present) {
    throw new Error(
      `DynamoDB Local is not installed in ${installDir} (DynamoDBLocal.jar and DynamoDBLocal_lib expected). ` +
        'Run `node infra/local/ensure-deps.mjs` (npm start and npm test run it for you).',
    );
  }
}

/** Keeps the last bytes a process printed, for error messages. */
class OutputTail {
  private text = '';

  append(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-OUTPUT_TAIL_BYTES);
  }

  toString(): string {
    const trimmed = this.text.trim();
    return trimmed === '' ? '(no output)' : trimmed;
  }
}

class DynamoDbLocalStartError extends Error {
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
    this.name = 'DynamoDbLocalStartError';
  }
}

async function waitUntilDynamoDbAnswers(endpoint: string, child: ChildProcess, output: OutputTail, port: number): Promise<void> {
  const client = new DynamoDBClient({
    ...localClientConfig(endpoint),
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  });
  const deadline = Date.now() + DYNAMODB_READY_DEADLINE_MS;
  let lastError: unknown;
  try {
    while (Date.now() < deadline) {
      // Jetty can fail to bind while the JVM lives on (its other threads keep it up), and another process may then
      // answer on that port ("Unknown action"): a bind failure in the output means the port was taken, whatever
      // answers there, so the caller retries on another one instead of polling a stranger for 30 s.
      if (/BindException|Address already in use|Failed to bind/i.test(output.toString())) {
        throw new DynamoDbLocalStartError(`DynamoDB Local could not bind port ${port}: another process took it. Its output ends with:\n${output.toString()}`, true);
      }
      if (child.exitCode !== null || child.signalCode !== null) {
        const how = child.exitCode !== null ? `with code ${child.exitCode}` : `on ${child.signalCode}`;
        const text = output.toString();
        throw new DynamoDbLocalStartError(
          `DynamoDB Local exited ${how} before answering on port ${port}. Its output ends with:\n${text}`,
          /BindException|Address already in use/i.test(text),
        );
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        lastError = error;
        await new Promise((resolveDelay) => setTimeout(resolveDelay, 100));
      }
    }
    throw new DynamoDbLocalStartError(
      `DynamoDB Local did not answer ListTables on port ${port} within ${DYNAMODB_READY_DEADLINE_MS / 1000} s ` +
        `(last error: ${lastError instanceof Error ? lastError.message : String(lastError)}). Its output ends with:\n${output.toString()}`,
      false,
    );
  } finally {
    client.destroy();
  }
}

async function launchDynamoDbLocal(installDir: string, port: number, jvmOptions: readonly string[]): Promise<RunningEmulator> {
  const java = javaExecutable();
  const child = spawn(
    java,
    [
      ...jvmOptions,
      '-Djava.library.path=./DynamoDBLocal_lib',
      '-jar',
      'DynamoDBLocal.jar',
      '-inMemory',
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd: installDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = new OutputTail();
  child.stdout?.on('data', (chunk: Buffer) => output.append(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.append(chunk));
  const spawnFailed = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === 'ENOENT'
            ? `Cannot start DynamoDB Local: no "${java}" executable. Install Java 17 (e.g. apt-get install -y openjdk-17-jre-headless) or set JAVA_HOME.`
            : `Cannot start DynamoDB Local with ${java}: ${error.message}`,
        ),
      );
    });
  });
  spawnFailed.catch(() => undefined);
  // The emulator lives as long as its owner decides (stop()), never longer than this process, and never
  // keeps this process alive on its own.
  child.unref();
  (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  adopt(child);
  const guard = child.pid === undefined ? undefined : spawnOrphanGuard(child.pid);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // The guard goes first so that it can never signal a recycled pid.
      guard?.kill('SIGKILL');
      await terminate(child);
    })();
    return stopping;
  };

  const endpoint = `http://${LOOPBACK}:${port}`;
  try {
    await Promise.race([spawnFailed, waitUntilDynamoDbAnswers(endpoint, child, output, port)]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, stop };
}

/**
 * Starts DynamoDB Local (in memory, one shared database) and resolves once a real ListTables call succeeds.
 * Rejects with the process's output tail if it dies or does not answer within 30 s.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<RunningEmulator> {
  const installDir = options.installDir ?? DYNAMODB_LOCAL_DIR;
  const jvmOptions = options.jvmOptions ?? DYNAMODB_LOCAL_JVM_OPTIONS;
  assertInstalled(installDir);
  if (options.port !== undefined) {
    if (!(await isPortFree(options.port))) {
      throw new Error(`Cannot start DynamoDB Local on port ${options.port}: another process already listens there.`);
    }
    return launchDynamoDbLocal(installDir, options.port, jvmOptions);
  }
  // A port found free can be taken before Java binds it; pick another one in that case.
  for (let attempt = 1; ; attempt += 1) {
    const port = await findFreePort();
    try {
      if (!(await isPortFree(port))) throw new DynamoDbLocalStartError(`Port ${port} was taken before DynamoDB Local could use it`, true);
      return await launchDynamoDbLocal(installDir, port, jvmOptions);
    } catch (error) {
      if (!(error instanceof DynamoDbLocalStartError && error.portInUse) || attempt >= PORT_RETRIES) throw error;
    }
  }
}

// -----------------------------------------------------------------------------------------------------------
// fauxqs (SQS, S3, SNS)
// -----------------------------------------------------------------------------------------------------------

export interface FauxqsOptions {
  /** Port to listen on (127.0.0.1 only); the OS picks a free one when omitted. */
  readonly port?: number;
}

type FauxqsStores = NonNullable<NonNullable<Parameters<typeof buildApp>[0]>['stores']>;

/**
 * fauxqs builds queue URLs as `http://sqs.<region>.localhost:<port>/...` unless its SQS store has no host,
 * in which case it uses the Host header of the CreateQueue request: `127.0.0.1:<port>`, which resolves. The
 * stores are not exported by the package, so they are loaded from its dist folder next to its entry point
 * (fauxqs is pinned to 1.9.2; a layout change fails here, loudly).
 */
function fauxqsDistDir(): string {
  // Node's own lookup path for a bare specifier from this file. (require.resolve('fauxqs') itself fails:
  // the package only exports an `import` condition; import.meta.resolve is missing in vitest's runner.)
  const lookup = createRequire(import.meta.url).resolve.paths('fauxqs') ?? [];
  for (const nodeModules of lookup) {
    const dist = join(nodeModules, 'fauxqs', 'dist');
    if (existsSync(join(dist, 'app.js'))) return dist;
  }
  throw new Error(`fauxqs is not installed (looked in ${lookup.join(', ')}); run npm ci`);
}

/** Loads one module of fauxqs's dist folder; a missing file fails loudly, naming it. */
async function loadFauxqsModule(relativePath: string): Promise<{ file: string; module: Record<string, unknown> }> {
  const file = join(fauxqsDistDir(), relativePath);
  const module = (await import(pathToFileURL(file).href).catch((error: unknown) => {
    throw new Error(`fauxqs layout changed: cannot load ${file} (${error instanceof Error ? error.message : String(error)})`);
  })) as Record<string, unknown>;
  return { file, module };
}

/**
 * The characters SQS accepts in a message body, as a pattern matching one character outside them:
 * `#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html, MessageBody).
 * The `u` flag makes the class match code points: a surrogate pair is one allowed character, a lone
 * surrogate (U+D800–U+DFFF on its own) is not, and neither are U+FFFE and U+FFFF.
 */
export const SQS_INVALID_BODY_CHARACTER = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** The check fauxqs 1.9.2 ships: no `u` flag, so every surrogate pair (every emoji) is refused. */
const FAUXQS_BODY_CHECK_SOURCE = String.raw`[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD]`;

/**
 * Makes fauxqs's message-body check follow SQS's character set. fauxqs tests every SendMessage and
 * SendMessageBatch body against the RegExp `INVALID_MESSAGE_BODY_CHAR` exported by `sqs/sqsTypes.js`; that
 * object is recompiled in place (`RegExp.prototype.compile`), so the modules that imported it — the same
 * module instance, checked by `proveAwsBodyCharacters` once the app is built — test the AWS pattern from then
 * on. Nothing else changes: bodies are stored and returned as they were sent. Idempotent; an unexpected
 * layout or pattern (another fauxqs version) throws instead of patching blindly.
 */
async function acceptAwsBodyCharacters(): Promise<void> {
  const { file, module } = await loadFauxqsModule('sqs/sqsTypes.js');
  widenBodyCheck(module.INVALID_MESSAGE_BODY_CHAR, file);
}

/**
 * Recompiles fauxqs's body check `check` (exported by `file`) in place to `SQS_INVALID_BODY_CHARACTER`.
 * Accepts the check already widened; throws, naming `file`, when `check` is not a RegExp or not the pattern
 * fauxqs 1.9.2 ships (another version may have fixed or changed it: compare before patching).
 */
export function widenBodyCheck(check: unknown, file: string): void {
  if (!(check instanceof RegExp)) throw new Error(`fauxqs layout changed: ${file} no longer exports the RegExp INVALID_MESSAGE_BODY_CHAR`);
  if (check.source === SQS_INVALID_BODY_CHARACTER.source && check.flags === SQS_INVALID_BODY_CHARACTER.flags) return;
  if (check.source !== FAUXQS_BODY_CHECK_SOURCE || check.flags !== '') {
    throw new Error(
      `fauxqs changed its message-body check in ${file} (now /${check.source}/${check.flags}); ` +
        'compare it with the SQS character set and update acceptAwsBodyCharacters in infra/local/emulators.ts',
    );
  }
  check.compile(SQS_INVALID_BODY_CHARACTER.source, SQS_INVALID_BODY_CHARACTER.flags);
}

type FauxqsApp = ReturnType<typeof buildApp>;

/**
 * Proves on the built app, in process, that its SendMessage handler uses the recompiled check (and not
 * another instance of `sqsTypes.js`): a body with an emoji is accepted, one with U+FFFF is refused.
 * The probe queue is deleted again, so ListQueues never shows it.
 */
async function proveAwsBodyCharacters(app: FauxqsApp): Promise<void> {
  const call = async (action: string, payload: Record<string, unknown>) => {
    const response = await app.inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` },
      payload: JSON.stringify(payload),
    });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };
  const created = await call('CreateQueue', { QueueName: `relais-body-check-probe-${process.pid}-${Date.now()}` });
  const queueUrl = created.body.QueueUrl;
  if (created.status !== 200 || typeof queueUrl !== 'string') {
    throw new Error(`fauxqs refused the body-check probe queue (HTTP ${created.status})`);
  }
  try {
    const emoji = await call('SendMessage', { QueueUrl: queueUrl, MessageBody: 'Merci \u{1F389}' });
    const noncharacter = await call('SendMessage', { QueueUrl: queueUrl, MessageBody: 'end \uFFFF' });
    if (emoji.status !== 200 || noncharacter.status !== 400) {
      throw new Error(
        `fauxqs does not use the SQS body character set after patching (emoji: HTTP ${emoji.status}, U+FFFF: HTTP ${noncharacter.status}); ` +
          'its SendMessage handler checks bodies with another instance of sqs/sqsTypes.js',
      );
    }
  } finally {
    await call('DeleteQueue', { QueueUrl: queueUrl });
  }
}

async function createFauxqsStores(): Promise<FauxqsStores> {
  const load = async <T>(relativePath: string, exportName: string): Promise<new () => T> => {
    const { file, module } = await loadFauxqsModule(relativePath);
    const ctor = module[exportName];
    if (typeof ctor !== 'function') throw new Error(`fauxqs layout changed: ${file} no longer exports ${exportName}`);
    return ctor as new () => T;
  };
  const [SqsStore, SnsStore, S3Store] = await Promise.all([
    load<FauxqsStores['sqsStore']>('sqs/sqsStore.js', 'SqsStore'),
    load<FauxqsStores['snsStore']>('sns/snsStore.js', 'SnsStore'),
    load<FauxqsStores['s3Store']>('s3/s3Store.js', 'S3Store'),
  ]);
  const sqsStore = new SqsStore();
  if (!('host' in sqsStore)) throw new Error('fauxqs layout changed: SqsStore has no `host` field');
  (sqsStore as unknown as { host: string }).host = '';
  return { sqsStore, snsStore: new SnsStore(), s3Store: new S3Store() };
}

/**
 * Starts fauxqs in this process on 127.0.0.1 with request logging off; one endpoint serves SQS, S3 and SNS.
 * Message bodies follow SQS's character set, emoji included (see `acceptAwsBodyCharacters`).
 */
export async function startFauxqsEmulator(options: FauxqsOptions = {}): Promise<RunningEmulator> {
  await acceptAwsBodyCharacters();
  const app = buildApp({ logger: false, defaultRegion: LOCAL_REGION, stores: await createFauxqsStores() });
  try {
    await proveAwsBodyCharacters(app);
  } catch (error) {
    await app.close();
    throw error;
  }
  try {
    await app.listen({ port: options.port ?? 0, host: LOOPBACK });
  } catch (error) {
    await app.close();
    throw new Error(
      `Cannot start fauxqs on ${LOOPBACK}:${options.port ?? 0}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const address = app.server.address();
  if (!address || typeof address !== 'object') {
    await app.close();
    throw new Error('fauxqs is listening but reports no TCP address');
  }
  const port = address.port;
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    port,
    stop: () => (stopping ??= app.close().then(() => undefined)),
  };
}

// -----------------------------------------------------------------------------------------------------------
// Provisioning
// -----------------------------------------------------------------------------------------------------------

function createTableInput(spec: TableSpec, tableName: string): CreateTableCommandInput {
  // TableSpec carries no attribute types: every key attribute in the topology is a string.
  const keyAttributes = new Set<string>([spec.partitionKey, spec.sortKey]);
  for (const index of spec.globalIndexes) {
    keyAttributes.add(index.partitionKey);
    keyAttributes.add(index.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...keyAttributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: spec.partitionKey, KeyType: 'HASH' },
      { AttributeName: spec.sortKey, KeyType: 'RANGE' },
    ],
    ...(spec.globalIndexes.length > 0
      ? {
          GlobalSecondaryIndexes: spec.globalIndexes.map((index) => ({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          })),
        }
      : {}),
  };
}

/** An existing table must have the keys and indexes the spec describes; anything else is a stale local table. */
async function assertTableMatches(client: DynamoDBClient, spec: TableSpec, tableName: string): Promise<void> {
  const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const keyOf = (schema: ReadonlyArray<{ AttributeName?: string | undefined; KeyType?: string | undefined }> | undefined): string =>
    (schema ?? []).map((key) => `${key.KeyType}:${key.AttributeName}`).join(',');
  const expected = createTableInput(spec, tableName);
  const problems: string[] = [];
  if (keyOf(table?.KeySchema) !== keyOf(expected.KeySchema)) {
    problems.push(`key schema is ${keyOf(table?.KeySchema)}, expected ${keyOf(expected.KeySchema)}`);
  }
  for (const index of expected.GlobalSecondaryIndexes ?? []) {
    const actual = table?.GlobalSecondaryIndexes?.find((candidate) => candidate.IndexName === index.IndexName);
    if (!actual) problems.push(`index ${index.IndexName} is missing`);
    else if (keyOf(actual.KeySchema) !== keyOf(index.KeySchema)) {
      problems.push(`index ${index.IndexName} keys are ${keyOf(actual.KeySchema)}, expected ${keyOf(index.KeySchema)}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`Table ${tableName} exists but does not match ${spec.id}: ${problems.join('; ')}. Delete it and provision again.`);
  }
}

async function enableTimeToLive(client: DynamoDBClient, tableName: string, attribute: string): Promise<void> {
  const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = ttl?.TimeToLiveStatus;
  if ((status === 'ENABLED' || status === 'ENABLING') && ttl?.AttributeName === attribute) return;
  if (status === 'ENABLED' || status === 'ENABLING') {
    throw new Error(`Table ${tableName} has TTL on ${ttl?.AttributeName}, expected ${attribute}. Delete it and provision again.`);
  }
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: attribute, Enabled: true } }),
  );
}

async function provisionTable(client: DynamoDBClient, spec: TableSpec, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(spec, tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) {
      throw new Error(`Cannot create table ${tableName} (${spec.id}): ${error instanceof Error ? error.message : String(error)}`);
    }
    await assertTableMatches(client, spec, tableName);
  }
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
  if (spec.ttlAttribute !== undefined) await enableTimeToLive(client, tableName, spec.ttlAttribute);
}

/**
 * Creates each table (on-demand, its GSIs projecting ALL, TTL on `ttlAttribute`) under the name `nameFor`
 * gives it. Idempotent: an existing table with the same keys and indexes is accepted as it is.
 * Resolves to the table names keyed by spec id.
 */
export async function provisionTables(
  endpoint: string,
  specs: readonly TableSpec[],
  nameFor: (spec: TableSpec) => string,
): Promise<Record<string, string>> {
  const client = new DynamoDBClient(localClientConfig(endpoint));
  try {
    const names: Record<string, string> = {};
    for (const spec of specs) {
      if (spec.id in names) throw new Error(`Two table specs share the id ${spec.id}`);
      names[spec.id] = nameFor(spec);
    }
    await Promise.all(specs.map((spec) => provisionTable(client, spec, names[spec.id] as string)));
    return names;
  } finally {
    client.destroy();
  }
}

export interface ProvisionedBucket {
  readonly bucketName: string;
  readonly bucketArn: string;
}

/** Creates an S3 bucket on fauxqs (path-style client). Idempotent: a bucket we already own is fine. */
export async function provisionBucket(endpoint: string, name: string): Promise<ProvisionedBucket> {
  const client = new S3Client({ ...localClientConfig(endpoint), forcePathStyle: true });
  try {
    await client.send(
      new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: LOCAL_REGION } }),
    );
  } catch (error) {
    if (!(error instanceof S3ServiceException && error.name === 'BucketAlreadyOwnedByYou')) {
      throw new Error(`Cannot create bucket ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  } finally {
    client.destroy();
  }
  return { bucketName: name, bucketArn: `arn:aws:s3:::${name}` };
}

export interface FifoQueueOptions {
  /** Name of a FIFO dead-letter queue (ends in `.fifo`) to create and attach with a redrive policy. */
  readonly dlqName?: string;
  /** Receives before a message moves to the DLQ (default 5). Only with `dlqName`. */
  readonly maxReceiveCount?: number;
  /** Seconds a received message stays hidden (SQS default 30). */
  readonly visibilityTimeout?: number;
}

export interface ProvisionedQueue {
  readonly queueUrl: string;
  readonly queueArn: string;
}

export interface ProvisionedFifoQueue extends ProvisionedQueue {
  readonly dlq?: ProvisionedQueue;
}

const DEFAULT_MAX_RECEIVE_COUNT = 5;
/** 14 days, the SQS maximum: a DLQ keeps messages as long as possible for inspection and redrive. */
const DLQ_RETENTION_SECONDS = 1_209_600;

/** High-throughput FIFO: deduplication and throughput limits per message group, as on AWS. */
const FIFO_ATTRIBUTES = {
  FifoQueue: 'true',
  ContentBasedDeduplication: 'false',
  DeduplicationScope: 'messageGroup',
  FifoThroughputLimit: 'perMessageGroupId',
} as const;

function assertFifoName(name: string, role: string): void {
  if (!name.endsWith('.fifo')) throw new Error(`${role} name ${name} must end with .fifo`);
}

async function createQueue(client: SQSClient, name: string, attributes: Record<string, string>): Promise<ProvisionedQueue> {
  try {
    const { QueueUrl: queueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    if (!queueUrl) throw new Error('CreateQueue returned no QueueUrl');
    const { Attributes: created } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const queueArn = created?.QueueArn;
    if (!queueArn) throw new Error('GetQueueAttributes returned no QueueArn');
    return { queueUrl, queueArn };
  } catch (error) {
    throw new Error(`Cannot create queue ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Creates a FIFO queue (content-based deduplication off: producers pass MessageDeduplicationId) and, with
 * `dlqName`, a FIFO DLQ it redrives to after `maxReceiveCount` receives. Idempotent for identical settings;
 * SQS refuses to recreate a queue with different attributes (QueueNameExists).
 */
export async function provisionFifoQueue(
  endpoint: string,
  name: string,
  options: FifoQueueOptions = {},
): Promise<ProvisionedFifoQueue> {
  assertFifoName(name, 'Queue');
  if (options.dlqName !== undefined) assertFifoName(options.dlqName, 'Dead-letter queue');
  if (options.maxReceiveCount !== undefined && options.dlqName === undefined) {
    throw new Error(`maxReceiveCount for queue ${name} needs a dlqName`);
  }
  const client = new SQSClient(localClientConfig(endpoint));
  try {
    const dlq =
      options.dlqName === undefined
        ? undefined
        : await createQueue(client, options.dlqName, {
            ...FIFO_ATTRIBUTES,
            MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS),
          });
    const attributes: Record<string, string> = { ...FIFO_ATTRIBUTES };
    if (options.visibilityTimeout !== undefined) attributes.VisibilityTimeout = String(options.visibilityTimeout);
    if (dlq) {
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: dlq.queueArn,
        maxReceiveCount: options.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT,
      });
    }
    const queue = await createQueue(client, name, attributes);
    return dlq ? { ...queue, dlq } : queue;
  } finally {
    client.destroy();
  }
}
