#!/usr/bin/env node
/**
 * Bootstrap run at the start of `npm start`, `npm test` and `npm run bench`, so that a fresh clone needs
 * nothing but Node and Java:
 *   1. node_modules is installed with `npm ci` when it is missing or package-lock.json changed since the
 *      last install (a sha256 stamp of the lockfile lives in node_modules/.relais-lock-hash);
 *   2. DynamoDB Local (the jar and its native libraries) is present under .cache/dynamodb-local, taken from
 *      the amplify-dynamodb-simulator npm tarball with `npm pack` (no 280-package install of the wrapper);
 *   3. a Java runtime answers `java -version` (DynamoDB Local is a Java program).
 *
 * Plain Node ESM with no dependencies: it runs before node_modules exists. Silent when everything is in
 * place; prints one line per action it takes; exits non-zero with a message naming the problem otherwise.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MIN_NODE = [20, 19];

const LOCKFILE = join(ROOT, 'package-lock.json');
const NODE_MODULES = join(ROOT, 'node_modules');
const LOCK_STAMP = join(NODE_MODULES, '.relais-lock-hash');
const NPM_HIDDEN_LOCKFILE = join(NODE_MODULES, '.package-lock.json');

/** DynamoDB Local 1.25.1 ships inside this tarball under package/emulator. Keep in sync with infra/local/emulators.ts. */
const DYNAMODB_LOCAL_SOURCE = 'amplify-dynamodb-simulator@2.9.30';
const CACHE_DIR = join(ROOT, '.cache');
const DYNAMODB_LOCAL_DIR = join(CACHE_DIR, 'dynamodb-local');
const DYNAMODB_LOCAL_MARKER = '.relais-source';
const DYNAMODB_LOCAL_JAR = 'DynamoDBLocal.jar';
const DYNAMODB_LOCAL_LIB = 'DynamoDBLocal_lib';
const STAGING_PREFIX = '.dynamodb-local-staging-';
/** Staging directories older than this are leftovers of an interrupted run (a live download takes seconds). */
const STALE_STAGING_MS = 60 * 60 * 1000;

class BootstrapError extends Error {}

function say(message) {
  process.stdout.write(`[relais] ${message}\n`);
}

function checkNodeVersion() {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    throw new BootstrapError(
      `Node ${process.versions.node} is too old: Relais needs Node >= ${MIN_NODE.join('.')} (see "engines" in package.json).`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// 1. node_modules
// ---------------------------------------------------------------------------------------------------------

function sha256(buffer) {
  return createHash('sha256').update(buffer).digest('hex');
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/**
 * True when npm's own record of the installed tree (node_modules/.package-lock.json) holds exactly the
 * versions package-lock.json asks for. Packages marked optional may be absent (platform-specific binaries).
 * This lets a developer who ran `npm install` themselves keep their tree instead of paying for an `npm ci`.
 */
function installedTreeMatchesLockfile() {
  if (!existsSync(NPM_HIDDEN_LOCKFILE)) return false;
  let wanted;
  let installed;
  try {
    wanted = readJson(LOCKFILE).packages;
    installed = readJson(NPM_HIDDEN_LOCKFILE).packages;
  } catch {
    return false;
  }
  if (!wanted || !installed) return false;
  for (const [path, entry] of Object.entries(wanted)) {
    if (path === '') continue;
    const present = installed[path];
    if (!present) {
      if (entry.optional === true) continue;
      return false;
    }
    if (present.version !== entry.version) return false;
  }
  for (const path of Object.keys(installed)) {
    if (!(path in wanted)) return false;
  }
  return true;
}

/** The npm that launched us (`npm start` sets npm_execpath), else the one on PATH. */
function npmCommand(args) {
  const execPath = process.env.npm_execpath;
  if (execPath && /npm-cli\.c?js$/.test(basename(execPath)) && existsSync(execPath)) {
    return { command: process.execPath, args: [execPath, ...args], shell: false };
  }
  return { command: process.platform === 'win32' ? 'npm.cmd' : 'npm', args, shell: process.platform === 'win32' };
}

function runNpm(args, options) {
  const { command, args: fullArgs, shell } = npmCommand(args);
  const result = spawnSync(command, fullArgs, { cwd: ROOT, shell, ...options });
  if (result.error) {
    throw new BootstrapError(`Could not run npm (${command}): ${result.error.message}`);
  }
  return result;
}

function ensureNodeModules() {
  if (!existsSync(LOCKFILE)) {
    throw new BootstrapError('package-lock.json is missing: it is committed with the repository; restore it with git.');
  }
  const lockHash = sha256(readFileSync(LOCKFILE));
  const haveNodeModules = existsSync(NODE_MODULES);
  if (haveNodeModules && existsSync(LOCK_STAMP) && readFileSync(LOCK_STAMP, 'utf8').trim() === lockHash) return;

  if (haveNodeModules && installedTreeMatchesLockfile()) {
    writeFileSync(LOCK_STAMP, `${lockHash}\n`);
    say('node_modules already matches package-lock.json: recorded the install stamp');
    return;
  }

  say(
    haveNodeModules
      ? 'package-lock.json changed since the last install: running npm ci'
      : 'node_modules is missing: running npm ci',
  );
  const result = runNpm(['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (result.status !== 0) {
    throw new BootstrapError(
      `npm ci failed (exit ${result.status ?? result.signal}); see npm's output above. ` +
        'node_modules may be incomplete: the next run will try the install again.',
    );
  }
  writeFileSync(LOCK_STAMP, `${lockHash}\n`);
}

// ---------------------------------------------------------------------------------------------------------
// 2. DynamoDB Local
// ---------------------------------------------------------------------------------------------------------

function dynamoDbLocalIsComplete(dir) {
  try {
    return (
      statSync(join(dir, DYNAMODB_LOCAL_JAR)).isFile() &&
      statSync(join(dir, DYNAMODB_LOCAL_LIB)).isDirectory() &&
      readFileSync(join(dir, DYNAMODB_LOCAL_MARKER), 'utf8').trim() === DYNAMODB_LOCAL_SOURCE
    );
  } catch {
    return false;
  }
}

function removeStaleStagingDirs() {
  for (const name of readdirSync(CACHE_DIR)) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    const path = join(CACHE_DIR, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_STAGING_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another run removed it meanwhile.
    }
  }
}

function packTarball(destination) {
  const result = runNpm(['pack', DYNAMODB_LOCAL_SOURCE, '--pack-destination', destination, '--json', '--silent'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) {
    throw new BootstrapError(
      `npm pack ${DYNAMODB_LOCAL_SOURCE} failed (exit ${result.status ?? result.signal}); is the npm registry reachable?\n` +
        `${(result.stderr || result.stdout || '').trim()}`,
    );
  }
  const tarballs = readdirSync(destination).filter((name) => name.endsWith('.tgz'));
  if (tarballs.length !== 1) {
    throw new BootstrapError(`npm pack ${DYNAMODB_LOCAL_SOURCE} produced ${tarballs.length} tarballs in ${destination}, expected 1.`);
  }
  return join(destination, tarballs[0]);
}

function extractEmulator(tarball, destination) {
  const result = spawnSync('tar', ['-xzf', tarball, '-C', destination, 'package/emulator'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.error) throw new BootstrapError(`Could not run tar to unpack DynamoDB Local: ${result.error.message}`);
  if (result.status !== 0) {
    throw new BootstrapError(`tar could not unpack package/emulator from ${basename(tarball)}: ${result.stderr.trim()}`);
  }
  const emulator = join(destination, 'package', 'emulator');
  if (!existsSync(join(emulator, DYNAMODB_LOCAL_JAR)) || !existsSync(join(emulator, DYNAMODB_LOCAL_LIB))) {
    throw new BootstrapError(
      `${DYNAMODB_LOCAL_SOURCE} no longer contains package/emulator/${DYNAMODB_LOCAL_JAR} and ${DYNAMODB_LOCAL_LIB}.`,
    );
  }
  return emulator;
}

function ensureDynamoDbLocal() {
  if (dynamoDbLocalIsComplete(DYNAMODB_LOCAL_DIR)) return;

  mkdirSync(CACHE_DIR, { recursive: true });
  removeStaleStagingDirs();
  say(
    `DynamoDB Local is missing: fetching it from ${DYNAMODB_LOCAL_SOURCE} (one-time ~57 MB download) ` +
      `into ${relative(ROOT, DYNAMODB_LOCAL_DIR)}`,
  );
  // Staged next to the target so the final rename stays on one filesystem and is atomic: an interrupted
  // run leaves only a staging directory (swept later), never a half-filled .cache/dynamodb-local.
  const staging = mkdtempSync(join(CACHE_DIR, STAGING_PREFIX));
  try {
    const tarball = packTarball(staging);
    const unpacked = join(staging, 'unpacked');
    mkdirSync(unpacked);
    const emulator = extractEmulator(tarball, unpacked);
    writeFileSync(join(emulator, DYNAMODB_LOCAL_MARKER), `${DYNAMODB_LOCAL_SOURCE}\n`);

    if (existsSync(DYNAMODB_LOCAL_DIR)) {
      // An older or damaged copy: move it aside (atomic) and delete it with the staging directory.
      renameSync(DYNAMODB_LOCAL_DIR, join(staging, 'previous'));
    }
    try {
      renameSync(emulator, DYNAMODB_LOCAL_DIR);
    } catch (error) {
      // A concurrent run may have installed the same copy between our check and our rename.
      if (!dynamoDbLocalIsComplete(DYNAMODB_LOCAL_DIR)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// 3. Java
// ---------------------------------------------------------------------------------------------------------

/** `$JAVA_HOME/bin/java` when JAVA_HOME points at a JDK/JRE, else `java` from PATH (same rule as emulators.ts). */
function javaExecutable() {
  const home = process.env.JAVA_HOME;
  if (home) {
    const candidate = join(home, 'bin', process.platform === 'win32' ? 'java.exe' : 'java');
    if (existsSync(candidate)) return candidate;
  }
  return 'java';
}

function ensureJava() {
  const java = javaExecutable();
  const result = spawnSync(java, ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (!result.error && result.status === 0) return;
  const reason = result.error
    ? result.error.code === 'ENOENT'
      ? `no "${java}" executable was found`
      : result.error.message
    : `"${java} -version" exited with ${result.status ?? result.signal}: ${(result.stderr || '').trim()}`;
  throw new BootstrapError(
    `Java is required: DynamoDB Local, used by the local stack and the integration tests, is a Java program, ` +
      `but ${reason}.\n` +
      'Install Java 17 and run the command again, for example:\n' +
      '  Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless\n' +
      '  macOS:         brew install openjdk@17\n' +
      'or set JAVA_HOME to an installed JDK/JRE.',
  );
}

// ---------------------------------------------------------------------------------------------------------

try {
  checkNodeVersion();
  ensureNodeModules();
  ensureDynamoDbLocal();
  ensureJava();
} catch (error) {
  if (error instanceof BootstrapError) {
    process.stderr.write(`[relais] ${error.message}\n`);
  } else {
    process.stderr.write(`[relais] dependency bootstrap failed unexpectedly: ${error?.stack ?? error}\n`);
  }
  process.exit(1);
}
