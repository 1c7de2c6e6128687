/**
 * One environment per handler in one process. On AWS each Lambda function has its own environment; the local
 * stack runs every handler in the process of `npm start` (or of a test), where they would all share
 * `process.env`. While installed, `process.env` is a view that, inside `runInHandlerEnvironment`, shows:
 * - the variables given for that handler (its own, from `handlerEnvironment`, plus the local platform's AWS settings);
 * - none of the variables any other handler may receive (`hidden`), and no other `AWS_*` of this process;
 * - everything else of this process (PATH, HOME, NODE_*, POWERTOOLS_*, …), read live.
 * Outside a handler it is this process's environment, unchanged. Async work a handler starts (awaits, timers,
 * SDK calls) stays in its scope through `AsyncLocalStorage`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface Scope {
  readonly own: Record<string, string>;
  readonly hidden: ReadonlySet<string>;
}

const scopes = new AsyncLocalStorage<Scope>();
let installation: { readonly original: NodeJS.ProcessEnv; users: number } | undefined;

function hiddenIn(scope: Scope, name: string): boolean {
  return scope.hidden.has(name) || name.startsWith('AWS_');
}

function visible(scope: Scope, target: NodeJS.ProcessEnv, name: string): string | undefined {
  if (Object.hasOwn(scope.own, name)) return scope.own[name];
  return hiddenIn(scope, name) ? undefined : target[name];
}

function environmentView(original: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return new Proxy(original, {
    get(target, key, receiver) {
      const scope = scopes.getStore();
      if (scope === undefined || typeof key !== 'string') return Reflect.get(target, key, receiver);
      return visible(scope, target, key);
    },
    has(target, key) {
      const scope = scopes.getStore();
      if (scope === undefined || typeof key !== 'string') return Reflect.has(target, key);
      return visible(scope, target, key) !== undefined;
    },
    ownKeys(target) {
      const scope = scopes.getStore();
      if (scope === undefined) return Reflect.ownKeys(target);
      const inherited = Object.keys(target).filter((name) => !hiddenIn(scope, name) && !Object.hasOwn(scope.own, name));
      return [...Object.keys(scope.own), ...inherited];
    },
    getOwnPropertyDescriptor(target, key) {
      const scope = scopes.getStore();
      if (scope === undefined || typeof key !== 'string') return Reflect.getOwnPropertyDescriptor(target, key);
      const value = visible(scope, target, key);
      return value === undefined ? undefined : { value, writable: true, enumerable: true, configurable: true };
    },
    set(target, key, value, receiver) {
      const scope = scopes.getStore();
      if (scope === undefined || typeof key !== 'string') return Reflect.set(target, key, value, receiver);
      // Like process.env, every value becomes a string; a handler's write stays in its own environment.
      scope.own[key] = String(value);
      return true;
    },
    deleteProperty(target, key) {
      const scope = scopes.getStore();
      if (scope === undefined || typeof key !== 'string') return Reflect.deleteProperty(target, key);
      delete scope.own[key];
      return true;
    },
  });
}

/**
 * Replaces `process.env` with the per-handler view until the returned function is called. Installations nest
 * (two stacks in one process share one view); the last uninstall restores the original object.
 */
export function installHandlerEnvironments(): () => void {
  if (installation === undefined) {
    const original = process.env;
    installation = { original, users: 0 };
    process.env = environmentView(original);
  }
  installation.users += 1;
  let done = false;
  return () => {
    if (done || installation === undefined) return;
    done = true;
    installation.users -= 1;
    if (installation.users === 0) {
      process.env = installation.original;
      installation = undefined;
    }
  };
}

/**
 * Runs `fn` (and the async work it starts) with `process.env` showing `own` and hiding `hidden`; needs
 * `installHandlerEnvironments`. `own` is copied: writes during the call never reach the caller's object.
 */
export function runInHandlerEnvironment<T>(own: Readonly<Record<string, string>>, hidden: ReadonlySet<string>, fn: () => T): T {
  if (installation === undefined) throw new Error('runInHandlerEnvironment: call installHandlerEnvironments first');
  return scopes.run({ own: { ...own }, hidden }, fn);
}
