import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createVerifyWebhook } from '#functions/verify-webhook.js';
import { httpErrors, type HttpEvent, type HttpResult } from '#shared/middleware/http.js';

const TOKEN = 'verify-token-under-test';
const handler = middy<HttpEvent, HttpResult>().use(httpErrors()).handler(createVerifyWebhook({ verifyToken: async () => TOKEN }));

async function get(query: Record<string, string>) {
  const event = {
    version: '2.0',
    routeKey: 'GET /webhook',
    rawPath: '/webhook',
    rawQueryString: new URLSearchParams(query).toString(),
    queryStringParameters: query,
    headers: {},
    requestContext: { requestId: 'r' },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  return (await handler(event, {} as never)) as HttpResult;
}

describe('verify-webhook', () => {
  it('echoes hub.challenge as plain text when the mode is subscribe and the token matches', async () => {
    const res = await get({ 'hub.mode': 'subscribe', 'hub.verify_token': TOKEN, 'hub.challenge': '1158201444' });
    expect(res).toEqual({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: '1158201444' });
  });

  it('answers 403 and does not echo the challenge when the token is wrong', async () => {
    const res = await get({ 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1158201444' });
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain('1158201444');
    expect(JSON.parse(res.body!).error.code).toBe('verify_token_mismatch');
  });

  it('answers 400 naming every missing parameter', async () => {
    const res = await get({ 'hub.mode': 'subscribe' });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body!).error.message).toBe('missing query parameter(s): hub.verify_token, hub.challenge');
  });

  it('answers 400 for a mode other than subscribe', async () => {
    const res = await get({ 'hub.mode': 'unsubscribe', 'hub.verify_token': TOKEN, 'hub.challenge': '1' });
    expect(JSON.parse(res.body!).error.code).toBe('unsupported_mode');
  });

  it('refuses to echo a challenge that is not a plain token (no markup reflected)', async () => {
    const res = await get({ 'hub.mode': 'subscribe', 'hub.verify_token': TOKEN, 'hub.challenge': '<script>alert(1)</script>' });
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toContain('<script>');
  });
});
