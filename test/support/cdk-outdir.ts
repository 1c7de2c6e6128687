import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Every `new App()` in a test synthesises into a fresh temporary directory unless CDK_OUTDIR names one, and
// nothing removes those. Each vitest worker gets one directory under .cache/ (git-ignored), reused by the
// files it runs one after another and by later runs; nothing is deleted while a synthesis may still write.
const outdir = fileURLToPath(new URL(`../../.cache/cdk-test-out/worker-${process.env['VITEST_POOL_ID'] ?? '0'}`, import.meta.url));
mkdirSync(outdir, { recursive: true });
process.env['CDK_OUTDIR'] = outdir;
// With CDK_OUTDIR set an App synthesises itself again on `beforeExit` (autoSynth, as under the CDK CLI), one listener
// per App: test files build their Apps with `autoSynth: false`, since each synthesises what it asserts on.
