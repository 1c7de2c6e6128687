import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { AppFunction } from './app-function.js';

export interface PayloadStoreProps {
  /** Days a stored payload (and its access log) is kept before S3 expires it. @default 400 */
  readonly retentionDays?: number;
}

/**
 * Claim-check storage: when an event's detail would exceed EventBridge's 256 KB entry limit, the producer
 * stores the payload here and the event carries its key.
 *
 * - Encryption: SSE-S3. Every object is encrypted at rest with no key policy to maintain and no KMS request
 *   on the ingest path, and a bucket policy alone can later open claim-check reads to consumers in other
 *   accounts (the AWS-managed KMS key cannot be shared across accounts).
 * - Versioning: off. Objects are written once under a unique key and removed only by the lifecycle rule;
 *   writers hold no delete permission, so versions would add storage without adding recovery.
 * - Server access logs go to a second bucket with the same retention.
 */
export class PayloadStore extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  private readonly acknowledged = new WeakSet<AppFunction>();

  constructor(scope: Construct, id: string, props: PayloadStoreProps = {}) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? 400;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
      throw new Error(`PayloadStore: retentionDays must be a positive integer (got ${retentionDays})`);
    }
    const lifecycleRules: s3.LifecycleRule[] = [
      { id: 'expire', expiration: Duration.days(retentionDays), abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ];

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // Server access log delivery supports SSE-S3 destinations only.
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      lifecycleRules,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'payloads/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Lets `fn` read stored payloads: `s3:GetObject` on this bucket's objects and nothing else (no listing,
   * no bucket metadata), which is all a claim-check reader does.
   */
  grantGet(fn: AppFunction): void {
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['s3:GetObject'], resourceArns: [this.bucket.arnForObjects('*')] });
    this.acknowledgeObjectWildcard(fn);
  }

  /** Lets `fn` store payloads (put only: no read, no delete) and passes the bucket name through `envVar`. */
  grantPut(fn: AppFunction, envVar: string): void {
    this.bucket.grantPut(fn);
    fn.addEnvironment(envVar, this.bucket.bucketName);
    this.acknowledgeObjectWildcard(fn);
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::s3:Abort*]',
      reason: 'Part of grantPut: lets the writer abort its own multipart uploads on this bucket only.',
    });
  }

  private acknowledgeObjectWildcard(fn: AppFunction): void {
    if (this.acknowledged.has(fn)) return;
    this.acknowledged.add(fn);
    const bucketLogicalId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/*]`,
      reason: 'Payload object keys are content hashes generated per event, so object access covers the objects of this one bucket.',
    });
  }
}
