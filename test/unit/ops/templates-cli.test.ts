import { describe, expect, it } from 'vitest';

import { describeProgress, parseTemplatesArgs, runTemplatesCli, TEMPLATES_USAGE } from '#infra/ops/templates.js';

const ENV = { STATE_TABLE_NAME: 'relais-state', WHATSAPP_ACCESS_TOKEN: 'EAAJB-cli-token' };
const WABA = '102290129340398';

describe('npm run templates: arguments', () => {
  it('reads sync with the account, the table from STATE_TABLE_NAME and Graph defaults', () => {
    expect(parseTemplatesArgs(['sync', '--account', WABA], ENV)).toStrictEqual({
      ok: true,
      command: {
        command: 'sync',
        account: WABA,
        table: 'relais-state',
        pageSize: 100,
        maxAttempts: 6,
        graph: { baseUrl: 'https://graph.facebook.com', version: 'v25.0', timeoutMs: 10_000 },
        accessToken: { kind: 'value', value: 'EAAJB-cli-token' },
      },
    });
  });

  it('prefers --table, takes the page size and attempts, and reads the token from Secrets Manager when its ARN is set', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:relais/access-token-AbCdEf';
    const parsed = parseTemplatesArgs(['sync', '--account=1', '--table', 'other-table', '--page-size', '25', '--max-attempts', '3'], {
      ...ENV,
      WHATSAPP_ACCESS_TOKEN_ARN: arn,
      GRAPH_API_BASE_URL: 'http://127.0.0.1:3001',
      GRAPH_API_VERSION: 'v26.0',
    });

    expect(parsed.ok && parsed.command).toMatchObject({
      account: '1',
      table: 'other-table',
      pageSize: 25,
      maxAttempts: 3,
      graph: { baseUrl: 'http://127.0.0.1:3001', version: 'v26.0' },
      accessToken: { kind: 'secretsManager', secretId: arn },
    });
  });

  it.each([
    [[], {}, 'no command given (the one command is sync)'],
    [['list'], {}, 'unknown command "list" (the one command is sync)'],
    [['sync'], {}, '--account <wabaId> is required'],
    [['sync', '--account', '+44 7911 123456'], {}, '--account must be a WhatsApp Business Account id (digits), got "+44 7911 123456"'],
    [['sync', '--acount', WABA], {}, "Unknown option '--acount'"],
    [['sync', '--account', WABA, 'extra'], {}, 'unexpected argument "extra"'],
    [['sync', '--account', WABA], { STATE_TABLE_NAME: '' }, '--table <state table> is required when STATE_TABLE_NAME is not set'],
    [['sync', '--account', WABA, '--table', 'a b'], {}, '--table must be a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -), got "a b"'],
    [['sync', '--account', WABA, '--page-size', '0'], {}, '--page-size must be a whole number from 1 to 100, got "0"'],
    [['sync', '--account', WABA, '--page-size', '1e2'], {}, '--page-size must be a whole number from 1 to 100, got "1e2"'],
    [['sync', '--account', WABA, '--max-attempts', '21'], {}, '--max-attempts must be a whole number from 1 to 20, got "21"'],
    [['sync', '--account', WABA], { GRAPH_API_VERSION: '25' }, 'invalid templates sync configuration: GRAPH_API_VERSION: must look like v25.0, got "25"'],
    [['sync', '--account', WABA], { GRAPH_API_BASE_URL: 'graph.facebook.com' }, 'GRAPH_API_BASE_URL: baseUrl must be an absolute http(s) URL such as https://graph.facebook.com'],
    [
      ['sync', '--account', WABA],
      { WHATSAPP_ACCESS_TOKEN: '' },
      'invalid templates sync configuration: set WHATSAPP_ACCESS_TOKEN_ARN (Secrets Manager) or WHATSAPP_ACCESS_TOKEN',
    ],
  ] as const)('refuses %j (env %j) naming the problem', (argv, env, problem) => {
    expect(parseTemplatesArgs(argv, { ...ENV, ...env })).toStrictEqual({ ok: false, problem });
  });

  it('exits 2 with the problem and the usage on stderr, calling nothing', async () => {
    const stdout: string[] = [];
    const stderr: string[] = [];

    const code = await runTemplatesCli(['sync'], { env: ENV, stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) });

    expect(code).toBe(2);
    expect(stderr).toEqual(['templates: --account <wabaId> is required', TEMPLATES_USAGE]);
    expect(stdout).toEqual([]);
  });
});

describe('npm run templates: progress lines', () => {
  const base = { businessAccountId: WABA, pages: 2, seen: 180, changed: 3, refreshed: 176, unchanged: 1, deleted: 0, skipped: 0 };

  it('says what was read, what the sync waits for and why, and the totals', () => {
    expect(describeProgress({ ...base, phase: 'page' })).toBe(`templates sync ${WABA}: page 2 read (180 seen, 3 changed, 176 refreshed, 1 unchanged)`);
    expect(describeProgress({ ...base, phase: 'backoff', backoff: { code: 80007, waitMs: 180_000, nextAttempt: 2 } })).toBe(
      `templates sync ${WABA}: Meta answered code 80007; waiting 180.0 s before attempt 2 of page 3`,
    );
    expect(describeProgress({ ...base, phase: 'backoff', backoff: { waitMs: 1_250, nextAttempt: 4 } })).toBe(
      `templates sync ${WABA}: no usable answer from Meta; waiting 1.3 s before attempt 4 of page 3`,
    );
    expect(describeProgress({ ...base, phase: 'done', deleted: 2, skipped: 1 })).toBe(
      `templates sync ${WABA}: done: 180 seen, 3 changed, 176 refreshed, 1 unchanged, 2 marked deleted, 1 skipped`,
    );
  });
});
