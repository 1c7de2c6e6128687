import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { RelaisStack, readRelaisConfig } from '#infra/relais-stack.js';

const read = (context: Record<string, unknown>) => readRelaisConfig(new App({ context }));
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
    });
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

  it('stops the stack from being built when the context is invalid', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], archiveRetentionDays: 'ninety' } });
    expect(() => new RelaisStack(app, 'Relais')).toThrow(/archiveRetentionDays: must be a whole number ≥ 1 \(got "ninety"\)/);
  });
});
