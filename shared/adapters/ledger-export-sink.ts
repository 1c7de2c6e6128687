import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

import type { ExportSink } from '../ports/ledger-store.js';

/** The ledger export on S3: JSON lines objects, SSE by the bucket's default, checksummed. */
export function createS3ExportSink({ client, bucket }: { client: S3Client; bucket: string }): ExportSink {
  return {
    async put(key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/x-ndjson', ChecksumAlgorithm: 'SHA256' }));
    },
  };
}
