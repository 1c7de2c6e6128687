import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * SDK clients, created once per process on first use and reused across invocations.
 * Endpoints follow the SDK's standard variables (`AWS_ENDPOINT_URL_EVENTBRIDGE`, `AWS_ENDPOINT_URL_S3`, …),
 * which is how the local stack points the same handlers at its emulators. `S3_FORCE_PATH_STYLE=true` is
 * needed only for the local S3 emulator.
 */
let eventBridge: EventBridgeClient | undefined;
let s3: S3Client | undefined;
let secretsManager: SecretsManagerClient | undefined;
let dynamo: DynamoDBDocumentClient | undefined;
let sqs: SQSClient | undefined;

/** Document client: plain JS values in and out; undefined attributes are dropped rather than rejected. */
export function dynamoDocumentClient(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return dynamo;
}

export function sqsClient(): SQSClient {
  sqs ??= new SQSClient({});
  return sqs;
}

export function eventBridgeClient(): EventBridgeClient {
  eventBridge ??= new EventBridgeClient({ maxAttempts: 3 });
  return eventBridge;
}

export function s3Client(): S3Client {
  s3 ??= new S3Client({ forcePathStyle: process.env['S3_FORCE_PATH_STYLE'] === 'true' });
  return s3;
}

export function secretsManagerClient(): SecretsManagerClient {
  secretsManager ??= new SecretsManagerClient({});
  return secretsManager;
}
