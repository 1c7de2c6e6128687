/**
 * One environment per handler in one process: inside `runInHandlerEnvironment`, `process.env` shows the
 * handler's own variables and the machine's, never another handler's or the caller's AWS settings.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { installHandlerEnvironments, runInHandlerEnvironment } from '#infra/local/handler-env-scope.js';

const HIDDEN = new Set(['STATE_TABLE_NAME', 'SEND_POLICY', 'WHATSAPP_APP_SECRET']);
const RECEIVE_WEBHOOK = { WHATSAPP_APP_SECRET: 'sécret-🔑', EVENT_BUS_NAME: 'relais-local-bus', AWS_REGION: 'eu-west-1' };
const REQUEST_SEND = { STATE_TABLE_NAME: 'relais-local-StateTable', SEND_POLICY: '{"marketingCap":2}', AWS_REGION: 'eu-west-1' };

let uninstall: () => void;
let original: NodeJS.ProcessEnv;

beforeEach(() => {
  original = process.env;
  process.env['STATE_TABLE_NAME'] = 'from-the-shell';
  process.env['AWS_PROFILE'] = 'production';
  process.env['RELAIS_TEST_MACHINE'] = '/home/zoë';
  uninstall = installHandlerEnvironments();
});

afterEach(() => {
  uninstall();
  delete process.env['STATE_TABLE_NAME'];
  delete process.env['AWS_PROFILE'];
  delete process.env['RELAIS_TEST_MACHINE'];
});

describe('per-handler environments in one process', () => {
  it("shows a handler its own variables and the machine's, and hides every other handler variable and the caller's AWS_*", () => {
    const seen = runInHandlerEnvironment(RECEIVE_WEBHOOK, HIDDEN, () => ({
      secret: process.env['WHATSAPP_APP_SECRET'],
      table: process.env['STATE_TABLE_NAME'],
      profile: process.env['AWS_PROFILE'],
      region: process.env['AWS_REGION'],
      machine: process.env['RELAIS_TEST_MACHINE'],
      hasTable: 'STATE_TABLE_NAME' in process.env,
      spread: { ...process.env },
    }));

    expect(seen).toMatchObject({ secret: 'sécret-🔑', table: undefined, profile: undefined, region: 'eu-west-1', machine: '/home/zoë', hasTable: false });
    expect(seen.spread).toMatchObject({ ...RECEIVE_WEBHOOK, RELAIS_TEST_MACHINE: '/home/zoë' });
    expect(Object.keys(seen.spread)).not.toContain('STATE_TABLE_NAME');
    expect(Object.keys(seen.spread)).not.toContain('AWS_PROFILE');
  });

  it('keeps two handlers running at the same time apart, across awaits and timers', async () => {
    const readAfter = (ms: number, name: string) =>
      new Promise<string | undefined>((resolve) => setTimeout(() => resolve(process.env[name]), ms));

    const [webhook, sender] = await Promise.all([
      runInHandlerEnvironment(RECEIVE_WEBHOOK, HIDDEN, async () => [await readAfter(20, 'WHATSAPP_APP_SECRET'), await readAfter(1, 'SEND_POLICY')]),
      runInHandlerEnvironment(REQUEST_SEND, HIDDEN, async () => [await readAfter(1, 'WHATSAPP_APP_SECRET'), await readAfter(20, 'SEND_POLICY')]),
    ]);

    expect(webhook).toEqual(['sécret-🔑', undefined]);
    expect(sender).toEqual([undefined, '{"marketingCap":2}']);
  });

  it("keeps a handler's writes in its own environment", () => {
    runInHandlerEnvironment(REQUEST_SEND, HIDDEN, () => {
      process.env['SEND_POLICY'] = '{}';
      process.env['POWERTOOLS_DEV'] = 'true';
      expect(process.env['SEND_POLICY']).toBe('{}');
    });

    expect(REQUEST_SEND.SEND_POLICY).toBe('{"marketingCap":2}');
    expect(process.env['POWERTOOLS_DEV']).toBeUndefined();
    expect(runInHandlerEnvironment(REQUEST_SEND, HIDDEN, () => process.env['SEND_POLICY'])).toBe('{"marketingCap":2}');
  });

  it('leaves the environment outside any handler as it was, and restores the original object on uninstall', () => {
    expect(process.env['STATE_TABLE_NAME']).toBe('from-the-shell');
    expect(process.env).not.toBe(original);

    uninstall();

    expect(process.env).toBe(original);
    expect(() => runInHandlerEnvironment(RECEIVE_WEBHOOK, HIDDEN, () => undefined)).toThrow(/installHandlerEnvironments first/);
  });
});
