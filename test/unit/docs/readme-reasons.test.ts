import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { SendRejectionReason } from '#shared/contracts/events/outbound/reasons.js';

const README = readFileSync(resolve(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');

describe('README: send outcomes', () => {
  it('lists every SendRejected reason code consumers can switch on, and no other', () => {
    const listed = /SendRejected` \(stable `reason`: ([^)]*)\)/.exec(README)?.[1];
    expect(listed, 'the "Outcomes" bullet of "Sending a message"').toBeDefined();

    const codes = [...listed!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);

    expect([...codes].sort()).toEqual([...SendRejectionReason].sort());
  });
});
