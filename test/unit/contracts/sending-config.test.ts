import { describe, expect, it } from 'vitest';
import { ConfigError, loadMessageStatusConfig } from '#shared/config.js';
import { SEND_ENV, loadRequestSendConfig, loadSenderConfig } from '#shared/sending-config.js';

/** What the CDK app and the local stack set on send-message; only the values each test is about vary. */
const BASE: Record<string, string> = {
  STATE_TABLE_NAME: 'state',
  EVENT_BUS_NAME: 'bus',
  PAYLOAD_BUCKET_NAME: 'payloads',
  [SEND_ENV.priorityQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/priority.fifo',
  [SEND_ENV.bulkQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/bulk.fifo',
  [SEND_ENV.priorityDlqUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/priority-dlq.fifo',
  [SEND_ENV.bulkDlqUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/bulk-dlq.fifo',
  WHATSAPP_ACCESS_TOKEN: 'token',
};

describe('loadSenderConfig: throughput per number and the lanes', () => {
  it("defaults to Meta's 80 msg/s for every number, 80 % for bulk, v25.0 and bursts of 10 per recipient", () => {
    const config = loadSenderConfig(BASE);
    expect(config.ratePerSecond('106540352242922')).toBe(80);
    expect(config).toMatchObject({ bulkSharePercent: 80, graphVersion: 'v25.0', pairBurst: 10, pairIntervalMs: 6000 });
  });

  it('paces each number listed in THROUGHPUT_BY_NUMBER at its own rate, the others at THROUGHPUT_PER_SECOND', () => {
    const config = loadSenderConfig({
      ...BASE,
      [SEND_ENV.ratePerSecond]: '250',
      [SEND_ENV.numberRates]: JSON.stringify({ '106540352242922': 1000, '9007199254740993123': 20 }),
    });
    expect(config.ratePerSecond('106540352242922')).toBe(1000);
    // An id above 2^53 is a string key: it is matched exactly, never rounded.
    expect(config.ratePerSecond('9007199254740993123')).toBe(20);
    expect(config.ratePerSecond('9007199254740993124')).toBe(250);
  });

  it('does not mistake an inherited property name for a configured number', () => {
    const config = loadSenderConfig({ ...BASE, [SEND_ENV.numberRates]: '{}' });
    expect(config.ratePerSecond('constructor')).toBe(80);
    expect(config.ratePerSecond('__proto__')).toBe(80);
  });

  it.each([
    ['a rate above 1,000', JSON.stringify({ '106540352242922': 1001 }), /THROUGHPUT_BY_NUMBER: 106540352242922/],
    ['a rate of 0', JSON.stringify({ '106540352242922': 0 }), /THROUGHPUT_BY_NUMBER: 106540352242922/],
    ['a key that is not a phone number id', JSON.stringify({ 'näme 🎉': 80 }), /THROUGHPUT_BY_NUMBER: näme 🎉: Invalid key/],
    ['text that is not JSON', '{"106540352242922": 80', /THROUGHPUT_BY_NUMBER: is not JSON/],
  ])('refuses THROUGHPUT_BY_NUMBER with %s, naming the variable', (_, value, message) => {
    expect(() => loadSenderConfig({ ...BASE, [SEND_ENV.numberRates]: value })).toThrow(ConfigError);
    expect(() => loadSenderConfig({ ...BASE, [SEND_ENV.numberRates]: value })).toThrow(message);
  });

  it.each(['0', '101', '79.5', 'eighty'])('refuses BULK_SHARE_PERCENT=%s', (value) => {
    expect(() => loadSenderConfig({ ...BASE, [SEND_ENV.bulkSharePercent]: value })).toThrow(/BULK_SHARE_PERCENT: must be an integer from 1 to 100, got "/);
  });

  it('refuses a pair interval of 0, which the pair-rate arithmetic cannot use', () => {
    expect(() => loadSenderConfig({ ...BASE, [SEND_ENV.pairIntervalMs]: '0' })).toThrow(/PAIR_INTERVAL_MS: must be an integer from 1 to 60000, got "0"/);
  });
});

describe('the loaders report every problem at once, naming each variable', () => {
  it('lists a missing queue URL, a bad version and a bad rate in one error', () => {
    const { [SEND_ENV.bulkDlqUrl]: _, ...withoutDlq } = BASE;
    const attempt = () => loadSenderConfig({ ...withoutDlq, [SEND_ENV.graphVersion]: '25', [SEND_ENV.ratePerSecond]: '80 msg/s' });

    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/OUTBOUND_BULK_DLQ_URL: is required/);
    expect(attempt).toThrow(/GRAPH_API_VERSION: must look like v25\.0, got "25"/);
    expect(attempt).toThrow(/THROUGHPUT_PER_SECOND: must be an integer from 1 to 1000, got "80 msg\/s"/);
  });

  it('treats an empty variable as unset: the default applies', () => {
    const config = loadSenderConfig({ ...BASE, [SEND_ENV.graphVersion]: '', [SEND_ENV.maxAttempts]: '', [SEND_ENV.numberRates]: '' });
    expect(config).toMatchObject({ graphVersion: 'v25.0', maxAttempts: 8 });
    expect(config.ratePerSecond('106540352242922')).toBe(80);
  });

  it('takes the access token from Secrets Manager when its ARN is set, and refuses neither being set', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:token-AbCdEf';
    expect(loadSenderConfig({ ...BASE, WHATSAPP_ACCESS_TOKEN_ARN: arn }).accessToken).toEqual({ kind: 'secretsManager', secretId: arn });
    const { WHATSAPP_ACCESS_TOKEN: __, ...withoutToken } = BASE;
    expect(() => loadSenderConfig(withoutToken)).toThrow(/set WHATSAPP_ACCESS_TOKEN_ARN \(Secrets Manager\) or WHATSAPP_ACCESS_TOKEN/);
  });

  it('refuses a request-send template cache time and policy it cannot use, naming the variable and the place inside it', () => {
    const env = { ...BASE, [SEND_ENV.templateCacheTtlMs]: '30 s', [SEND_ENV.policy]: '{"marketingCap": {"max": -1, "perMs": 1}}' };
    const attempt = () => loadRequestSendConfig(env);
    expect(attempt).toThrow(/TEMPLATE_CACHE_TTL_MS: /);
    expect(attempt).toThrow(/SEND_POLICY: marketingCap\.max: /);
  });

  it('reuses a template read for 30 s unless TEMPLATE_CACHE_TTL_MS says otherwise (0: every time)', () => {
    expect(loadRequestSendConfig(BASE).templateCacheTtlMs).toBe(30_000);
    expect(loadRequestSendConfig({ ...BASE, [SEND_ENV.templateCacheTtlMs]: '0' }).templateCacheTtlMs).toBe(0);
    expect(() => loadRequestSendConfig({ ...BASE, [SEND_ENV.templateCacheTtlMs]: '3600001' })).toThrow(/TEMPLATE_CACHE_TTL_MS: /);
  });

  it('reads nothing but its state table, bus and bucket for track-message-status', () => {
    expect(loadMessageStatusConfig(BASE)).toEqual({ stateTableName: 'state', eventBusName: 'bus', payloadBucketName: 'payloads' });
    expect(() => loadMessageStatusConfig({})).toThrow(/invalid track-message-status configuration: STATE_TABLE_NAME: is required; EVENT_BUS_NAME: is required; PAYLOAD_BUCKET_NAME: is required/);
  });
});
