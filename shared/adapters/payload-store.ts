import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PayloadReferenceSchema, type PayloadReference } from '../contracts/events/envelope.js';

/** Stores event data too large for EventBridge and returns a reference to it (claim check). */
export interface PayloadStore {
  put(kind: string, data: unknown): Promise<PayloadReference>;
  get(ref: PayloadReference): Promise<unknown>;
}

/**
 * S3-backed payload store. Keys are content-addressed (`<kind>/<sha256>.json`), so storing the same data
 * twice (a retried webhook) writes the same object and yields the same reference.
 */
export function createS3PayloadStore({ client, bucket }: { client: S3Client; bucket: string }): PayloadStore {
  return {
    async put(kind, data) {
      const body = Buffer.from(JSON.stringify(data), 'utf8');
      const sha256 = createHash('sha256').update(body).digest('hex');
      const key = `${kind}/${sha256}.json`;
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json', ChecksumAlgorithm: 'SHA256' }),
      );
      return { bucket, key, bytes: body.byteLength, sha256 };
    },
    async get(ref) {
      const valid = PayloadReferenceSchema.parse(ref);
      const out = await client.send(new GetObjectCommand({ Bucket: valid.bucket, Key: valid.key }));
      const text = (await out.Body?.transformToString('utf8')) ?? '';
      const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
      if (sha256 !== valid.sha256) throw new Error(`payload ${valid.key} does not match its sha256`);
      return JSON.parse(text) as unknown;
    },
  };
}
