import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { RelaisStack, readRelaisConfig } from '#infra/relais-stack.js';

const read = (context: Record<string, unknown>) => readRelaisConfig(new App({ autoSynth: false, context }));
const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:relais/app-secret-AbC123';

describe('readRelaisConfig', () => {
  it('returns the documented defaults when the context sets nothing', () => {
    expect(read({})).toEqual({
      graphApiBaseUrl: 'https://graph.facebook.com',
      graphApiVersion: 'v25.0',
      logLevel: 'INFO',
      logRetentionDays: 30,
      archiveRetentionDays: 90,
      payloadRetentionDays: 400,
      apiThrottleRateLimit: 1000,
      apiThrottleBurstLimit: 2000,
      throughputPerSecond: 80,
      throughputByNumber: {},
      bulkSharePercent: 80,
      templateCacheTtlMs: 30_000,
      sendPolicy: {},
      contactSettings: {},
      templateSyncAccounts: [],
      templateSyncIntervalMinutes: 60,
      healthRefreshIntervalMinutes: 15,
      messagingLimitTier: 'TIER_250',
      messagingLimitPortfolios: {},
      billing: {},
      maxRestrictionHoldMs: 43_200_000,
      healthCacheTtlMs: 30_000,
    });
  });

  it('accepts the messaging-limit tier in either of Meta\'s spellings and refuses an unknown one, naming the key and the values', () => {
    expect(read({ messagingLimitTier: 'TIER_10K' }).messagingLimitTier).toBe('TIER_10K');
    expect(read({ messagingLimitTier: 100000 }).messagingLimitTier).toBe('100000');
    expect(() => read({ messagingLimitTier: 'TIER_3K' })).toThrow(/messagingLimitTier: unknown messaging limit tier "TIER_3K": expected TIER_50, TIER_250, TIER_1K, TIER_2K/);
  });

  it('refuses a restriction hold longer than the outbound queues\' receive budget allows, and portfolio ids that are not digits', () => {
    expect(() => read({ maxRestrictionHoldMs: 72_000_001 })).toThrow(/maxRestrictionHoldMs: must be at most 72000000 \(20 h\)/);
    expect(read({ messagingLimitPortfolios: '{"102290129340398":"830144582109437"}' }).messagingLimitPortfolios).toEqual({ '102290129340398': '830144582109437' });
    expect(() => read({ messagingLimitPortfolios: { '102290129340398': 'acme' } })).toThrow(/messagingLimitPortfolios.*business portfolio ids \(digits\)/);
    expect(read({ billing: '{"default":{"currency":"EUR","timeZone":"Europe/Paris","platformFee":"0.001"}}' }).billing).toEqual({ default: { currency: 'EUR', timeZone: 'Europe/Paris', platformFee: '0.001' } });
    expect(() => read({ billing: { default: { timeZone: 'Mars/Olympus' } } })).toThrow(/billing.*default\.timeZone.*"Mars\/Olympus" is not an IANA timezone/);
    expect(() => read({ billing: { accounts: { acme: { currency: 'EUR' } } } })).toThrow(/billing.*keys must be WhatsApp Business Account ids/);
    expect(() => read({ billing: { default: { platformFee: '-1' } } })).toThrow(/billing.*platformFee must not be negative/);
  });

  it('accepts an alert e-mail address and rejects anything else, naming the key', () => {
    expect(read({ alertEmail: 'oncall@example.com' }).alertEmail).toBe('oncall@example.com');
    expect(() => read({ alertEmail: 'not-an-address' })).toThrow(/alertEmail: must be an e-mail address/);
  });

  it('accepts numbers given as strings, as `cdk synth -c key=value` passes them', () => {
    expect(read({ logRetentionDays: '365', archiveRetentionDays: ' 30 ', payloadRetentionDays: 10 })).toMatchObject({
      logRetentionDays: 365,
      archiveRetentionDays: 30,
      payloadRetentionDays: 10,
    });
  });

  it('drops a trailing slash from the Graph API base URL and keeps existing secret ARNs', () => {
    expect(read({ graphApiBaseUrl: 'https://graph.example.test/', appSecretArn: arn })).toMatchObject({
      graphApiBaseUrl: 'https://graph.example.test',
      appSecretArn: arn,
    });
  });

  it('rejects a non-numeric retention, naming the key and the value', () => {
    expect(() => read({ logRetentionDays: 'abc' })).toThrow(/logRetentionDays: must be a whole number ≥ 1 \(got "abc"\)/);
  });

  it('rejects a retention CloudWatch Logs does not support, listing the accepted values', () => {
    expect(() => read({ logRetentionDays: 42 })).toThrow(/logRetentionDays: must be one of 1, 3, 5, 7, 14, 30, .*3653 \(got 42\)/);
  });

  it('rejects zero, negative and fractional day counts', () => {
    expect(() => read({ archiveRetentionDays: 0 })).toThrow(/archiveRetentionDays: must be a whole number ≥ 1/);
    expect(() => read({ payloadRetentionDays: -5 })).toThrow(/payloadRetentionDays: must be a whole number ≥ 1/);
    expect(() => read({ payloadRetentionDays: 1.5 })).toThrow(/payloadRetentionDays: must be a whole number ≥ 1/);
  });

  it('rejects a partial secret ARN, an http Graph URL, a malformed version and an unknown log level', () => {
    expect(() => read({ verifyTokenArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:relais/verify-token' })).toThrow(
      /verifyTokenArn: must be the complete ARN of a Secrets Manager secret/,
    );
    expect(() => read({ graphApiBaseUrl: 'http://graph.facebook.com' })).toThrow(/graphApiBaseUrl: must be an https URL/);
    expect(() => read({ graphApiVersion: '25' })).toThrow(/graphApiVersion: must look like v25.0/);
    expect(() => read({ logLevel: 'VERBOSE' })).toThrow(/logLevel: must be one of DEBUG, INFO, WARN, ERROR/);
  });

  it('names every invalid key in one error', () => {
    const attempt = () => read({ logRetentionDays: 'abc', apiThrottleRateLimit: 'fast' });
    expect(attempt).toThrow(/Invalid Relais configuration in CDK context/);
    expect(attempt).toThrow(/logRetentionDays/);
    expect(attempt).toThrow(/apiThrottleRateLimit/);
  });

  it("accepts a throughput up to Meta's 1,000 messages per second and refuses more", () => {
    expect(read({ throughputPerSecond: '1000' })).toMatchObject({ throughputPerSecond: 1000 });
    expect(() => read({ throughputPerSecond: 1001 })).toThrow(/throughputPerSecond: must be at most 1000/);
    expect(() => read({ throughputPerSecond: 0 })).toThrow(/throughputPerSecond: must be a whole number ≥ 1/);
  });

  describe('structured settings', () => {
    const template = { name: 'order_shipped', language: 'en_US', status: 'APPROVED', category: 'utility', parameterFormat: 'positional', parameters: { body: 2 } };

    it('takes send policy and contact settings as JSON from cdk.json or as JSON text from -c', () => {
      const sendPolicy = { requireOptIn: ['marketing', 'utility'] };
      const contactSettings = { default: { keywords: { optOut: ['STOP', 'ARRET'] } } };
      const expected = { sendPolicy, contactSettings };
      expect(read(expected)).toMatchObject(expected);
      expect(read({ sendPolicy: JSON.stringify(sendPolicy), contactSettings: JSON.stringify(contactSettings) })).toMatchObject(expected);
    });

    it('refuses the old templates setting in any form, saying templates now come from the registry and its sync', () => {
      for (const templates of [[template], JSON.stringify([template]), [], '[]', '']) {
        expect(() => read({ templates })).toThrow(/templates: templates are no longer configured: the policy gate reads them from the template registry, filled by `npm run templates -- sync --account <wabaId>`/);
      }
    });

    it('takes how long the policy gate reuses a template read, from 0 to an hour', () => {
      expect(read({ templateCacheTtlMs: '0' })).toMatchObject({ templateCacheTtlMs: 0 });
      expect(read({ templateCacheTtlMs: 3_600_000 })).toMatchObject({ templateCacheTtlMs: 3_600_000 });
      expect(() => read({ templateCacheTtlMs: 3_600_001 })).toThrow(/templateCacheTtlMs: must be at most 3600000/);
      expect(() => read({ templateCacheTtlMs: '30s' })).toThrow(/templateCacheTtlMs: must be a whole number/);
    });

    it('refuses JSON text that does not parse, naming the key', () => {
      expect(() => read({ sendPolicy: '{marketingCap: 2}' })).toThrow(/sendPolicy: is not valid JSON/);
    });

    it('refuses a send policy or contact settings the handlers would refuse at start-up', () => {
      expect(() => read({ sendPolicy: { marketingCap: 2 } })).toThrow(/sendPolicy: SEND_POLICY: marketingCap: /);
      expect(() => read({ sendPolicy: { requireOptin: ['marketing'] } })).toThrow(/sendPolicy: .*requireOptin/);
      expect(() => read({ contactSettings: { default: { keywords: { optOut: [] } } } })).toThrow(/contactSettings: CONTACT_SETTINGS: default\.keywords\.optOut: /);
      expect(() => read({ contactSettings: { byBusinessAccount: { acme: {} } } })).toThrow(/contactSettings: .*byBusinessAccount\.acme/);
    });

    it("refuses a send policy that would not fit Lambda's 4 KB environment", () => {
      const many = { noMarketingCountryCallingCodes: Array.from({ length: 700 }, (_, i) => String(i % 1000)) };
      expect(() => read({ sendPolicy: many })).toThrow(/sendPolicy: takes \d+ bytes as JSON, over the 3072 bytes/);
    });
  });

  it('stops the stack from being built when the context is invalid', () => {
    const app = new App({ autoSynth: false, context: { 'aws:cdk:bundling-stacks': [], archiveRetentionDays: 'ninety' } });
    expect(() => new RelaisStack(app, 'Relais')).toThrow(/archiveRetentionDays: must be a whole number ≥ 1 \(got "ninety"\)/);
  });
});
