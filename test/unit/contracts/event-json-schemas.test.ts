import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { DetailType } from '#shared/contracts/events/catalogue.js';
import { eventJsonSchemaFiles, eventJsonSchemas, eventSchemaId } from '#shared/contracts/json-schema.js';

const SCHEMAS_DIR = fileURLToPath(new URL('../../../shared/contracts/events/schemas/', import.meta.url));
const REGENERATE = 'run `npx tsx shared/contracts/write-json-schemas.ts` and commit the result';

function validator() {
  // Strict: unknown keywords and formats fail. Two of Ajv's style lints are relaxed because they flag valid
  // JSON Schema that zod emits on purpose: `type: [..]` unions and `oneOf: [{ required: [x] }, …]` exclusivity.
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, strictRequired: false, allErrors: true });
  addFormats.default(ajv);
  return ajv;
}

const schemas = eventJsonSchemas() as Record<DetailType, Record<string, unknown>>;

const metadata = { schemaVersion: 1, eventId: 'send:order-42', occurredAt: '2026-11-21T10:00:00.000Z', producer: 'sender', correlationId: 'order-42' };
const ref = { messageId: 'msg_01JD2', idempotencyKey: 'order-42:shipped', correlationId: 'order-42', phoneNumberId: '106540352242922' };

describe('published event JSON Schemas', () => {
  it('are committed exactly as the generator writes them now', () => {
    const expected = eventJsonSchemaFiles();
    const committed = readdirSync(SCHEMAS_DIR).filter((name) => name.endsWith('.json')).sort();
    expect(committed, REGENERATE).toEqual(expected.map((file) => file.fileName));
    for (const file of expected) {
      expect(readFileSync(`${SCHEMAS_DIR}${file.fileName}`, 'utf8'), `${file.fileName}: ${REGENERATE}`).toBe(file.content);
    }
  });

  it('cover every detail-type, one file each', () => {
    expect(eventJsonSchemaFiles().map((file) => file.fileName).sort()).toEqual(Object.values(DetailType).map((detailType) => `${detailType}.json`).sort());
  });

  it.each(Object.values(DetailType))('%s is a valid draft 2020-12 schema of an object, with $id, title and description', (detailType) => {
    const schema = schemas[detailType];
    const ajv = validator();
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: eventSchemaId(detailType),
      title: detailType,
      type: 'object',
    });
    expect(schema.description).toEqual(expect.stringContaining(`"${detailType}"`));
  });

  it('SendRequested describes the caller detail: caller metadata and a closed request body', () => {
    const validate = validator().compile(schemas.SendRequested);
    const valid = {
      metadata: { schemaVersion: 1, idempotencyKey: 'order-42:shipped' },
      data: { phoneNumberId: '106540352242922', to: '+16505551234', message: { type: 'image', link: 'https://cdn.example.com/a.png', caption: 'Receipt' } },
    };
    expect(validate(valid), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...valid, metadata: { ...metadata } })).toBe(false);
    expect(validate({ ...valid, data: { ...valid.data, recipientUserId: 'US.1349120865530274' } })).toBe(false);
    expect(validate({ ...valid, data: { ...valid.data, message: { type: 'image', link: 'https://cdn.example.com/a.png', mediaId: '1' } } })).toBe(false);
    expect(validate({ ...valid, data: { ...valid.data, message: { type: 'image', link: 'http://cdn.example.com/a.png' } } })).toBe(false);
    expect(validate({ ...valid, data: { ...valid.data, message: { type: 'text', body: 'x'.repeat(4097) } } })).toBe(false);
  });

  it('published events accept the inline data, the claim-check reference, and fields added later', () => {
    const validate = validator().compile(schemas.MessageFailed);
    const data = { ...ref, wamid: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA', reason: 'window_closed', error: { code: 131047, title: 'Re-engagement message' }, terminal: true };
    expect(validate({ metadata, data }), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ metadata, data: { ...data, addedInALaterVersion: 1 } })).toBe(true);
    expect(validate({ metadata, dataRef: { bucket: 'b', key: 'events/MessageFailed/1', bytes: 300000, sha256: 'a'.repeat(64) } })).toBe(true);
    expect(validate({ metadata, data: { ...data, terminal: 'yes' } })).toBe(false);
    expect(validate({ metadata, data: { ...data, reason: 'no_such_reason' } })).toBe(false);
  });

  it('SendAccepted requires the recipient, category and lane', () => {
    const validate = validator().compile(schemas.SendAccepted);
    const data = { ...ref, recipient: { recipientUserId: 'US.13491208655302741918' }, messageType: 'template', category: 'utility', lane: 'priority' };
    expect(validate({ metadata, data }), JSON.stringify(validate.errors)).toBe(true);
    const { lane: _lane, ...withoutLane } = data;
    expect(validate({ metadata, data: withoutLane })).toBe(false);
    expect(validate({ metadata, data: { ...data, recipient: {} } })).toBe(false);
  });
});
