import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

// Every `new App()` in a test synthesises into a fresh temporary directory unless CDK_OUTDIR names one:
// give each test file one, and remove it afterwards, so test runs leave nothing behind in /tmp.
const outdir = mkdtempSync(join(tmpdir(), 'relais-cdk-test-'));
process.env['CDK_OUTDIR'] = outdir;
afterAll(() => rmSync(outdir, { recursive: true, force: true }));
