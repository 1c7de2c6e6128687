import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { main } from '#infra/ops/billing.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const README = readFileSync(resolve(ROOT, 'README.md'), 'utf8');

describe('README: what-if rating', () => {
  it('prints what the README shows for its example command', async () => {
    const block = /### What-if rating[\s\S]*?```bash\n([\s\S]*?)```/.exec(README)?.[1];
    expect(block, 'the bash block of "What-if rating"').toBeDefined();
    const command = block!.split('\n').filter((line) => !line.startsWith('#')).join(' ').replace(/\\\s+/g, ' ').trim();
    const shown = block!.split('\n').filter((line) => line.startsWith('# {')).map((line) => line.slice(2));
    const [npm, run, script, dashes, ...argv] = command.split(/\s+/);
    expect([npm, run, script, dashes]).toEqual(['npm', 'run', 'billing', '--']);

    const out: string[] = [];
    const status = await main(argv, { out: (line) => out.push(line), err: () => undefined, readFile: (path) => readFileSync(resolve(ROOT, path), 'utf8') });
    expect(status).toBe(0);
    // The first line is shown cut short with …, the total whole.
    expect(out[0]!.startsWith(shown[0]!.replace(/,…}$/, ''))).toBe(true);
    expect(out.at(-1)).toBe(shown.at(-1));
  });
});
