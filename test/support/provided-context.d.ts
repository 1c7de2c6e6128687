/**
 * Values the integration project's global setup (`test/support/emulators.global-setup.ts`) hands to tests
 * through `inject(...)` from vitest. Everything is plain data (it crosses to the worker processes).
 */
declare module 'vitest' {
  export interface ProvidedContext {
    /** DynamoDB Local endpoint, `http://127.0.0.1:<port>`. */
    dynamoEndpoint: string;
    /** fauxqs endpoint for SQS (same server as `s3Endpoint`). */
    sqsEndpoint: string;
    /** fauxqs endpoint for S3: use `forcePathStyle: true`. */
    s3Endpoint: string;
    /** Provisioned table name for each `TableSpec.id` of `infra/topology.ts` (e.g. `StateTable`). */
    tableNames: Record<string, string>;
    /** Bucket for webhook payloads too large for an event. */
    payloadBucket: string;
  }
}

// Marks this file as a module, so the block above augments vitest's types instead of replacing them.
export {};
