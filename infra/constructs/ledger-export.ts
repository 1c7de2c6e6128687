import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

import { AppFunction, type AppFunctionProps } from './app-function.js';
import type { HandlerNeeds } from '../topology.js';

/** The handler module of the export (`functions/export-ledger.ts`). */
export const LEDGER_EXPORT_HANDLER = 'export-ledger';

/** The Glue table's columns: the export's JSON fields (`exportLine`), matched case-insensitively by the JSON SerDe. */
export const LEDGER_EXPORT_COLUMNS: ReadonlyArray<{ readonly name: string; readonly type: string }> = [
  { name: 'messagekey', type: 'string' },
  { name: 'businessaccountid', type: 'string' },
  { name: 'phonenumberid', type: 'string' },
  { name: 'portfolioid', type: 'string' },
  { name: 'wamid', type: 'string' },
  { name: 'contactid', type: 'string' },
  { name: 'conversationid', type: 'string' },
  { name: 'day', type: 'string' },
  { name: 'chargedat', type: 'bigint' },
  { name: 'era', type: 'string' },
  { name: 'pricingmodel', type: 'string' },
  { name: 'pricingtype', type: 'string' },
  { name: 'pricingcategory', type: 'string' },
  { name: 'billable', type: 'boolean' },
  { name: 'market', type: 'string' },
  { name: 'ratemicros', type: 'bigint' },
  { name: 'amountmicros', type: 'bigint' },
  { name: 'platformfeemicros', type: 'bigint' },
  { name: 'currency', type: 'string' },
  { name: 'ratecardversion', type: 'string' },
  { name: 'reason', type: 'string' },
  { name: 'reconciliation', type: 'string' },
  { name: 'differences', type: 'array<string>' },
  { name: 'metapricing', type: 'struct<model:string,type:string,category:string,billable:boolean>' },
  { name: 'source', type: 'string' },
  { name: 'recordedat', type: 'bigint' },
];

export interface LedgerExportProps {
  /** `HANDLERS['export-ledger']`: description, memory and timeout. */
  readonly needs: HandlerNeeds;
  /** Where the export bucket's server access logs go (the payload store's log bucket). */
  readonly accessLogsBucket: s3.IBucket;
  readonly functionDefaults?: Pick<AppFunctionProps, 'logLevel' | 'logRetention'>;
}

/**
 * Finance's SQL on the billing ledger: a daily export (the previous and current month) of every entry as JSON lines
 * to a retained bucket, `ledger/month=<yyyy-mm>/account=<waba>/part-<n>.jsonl`, and a Glue table over it with partition
 * projection on `month` (no crawler, no partition to add), which Athena queries directly.
 * https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html
 */
export class LedgerExport extends Construct {
  readonly bucket: s3.Bucket;
  readonly function: AppFunction;
  readonly database: glue.CfnDatabase;
  readonly table: glue.CfnTable;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: LedgerExportProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'ledger-export/',
      lifecycleRules: [{ id: 'old-versions', noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.function = new AppFunction(this, 'ExportLedger', {
      handlerName: LEDGER_EXPORT_HANDLER,
      description: props.needs.description,
      memorySize: props.needs.memorySize ?? 1024,
      timeout: Duration.seconds(props.needs.timeoutSeconds ?? 900),
      ...props.functionDefaults,
    });
    this.bucket.grantPut(this.function);
    const bucketLogicalId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    Validations.of(this.function.role).acknowledge(
      { id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/*]`, reason: 'The export writes one object per account, month and part under ledger/ in this one bucket.' },
      { id: 'AwsSolutions-IAM5[Action::s3:Abort*]', reason: 'Part of grantPut: lets the export abort its own multipart uploads on this bucket only.' },
    );

    const account = Stack.of(this).account;
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: { description: 'Relais: the WhatsApp billing ledger, exported for Athena' },
    });
    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: account,
      databaseName: this.database.ref,
      tableInput: {
        name: 'ledger',
        description: 'One row per charge or free event of an outbound WhatsApp message (amounts in micro-units of the currency)',
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: [{ name: 'month', type: 'string' }],
        parameters: {
          classification: 'json',
          'projection.enabled': 'true',
          'projection.month.type': 'date',
          'projection.month.format': 'yyyy-MM',
          'projection.month.range': '2024-01,NOW',
          'projection.month.interval': '1',
          'projection.month.interval.unit': 'MONTHS',
          'storage.location.template': `s3://${this.bucket.bucketName}/ledger/month=\${month}/`,
        },
        storageDescriptor: {
          location: `s3://${this.bucket.bucketName}/ledger/`,
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', parameters: { 'case.insensitive': 'TRUE', 'ignore.malformed.json': 'FALSE' } },
          columns: LEDGER_EXPORT_COLUMNS.map((column) => ({ ...column })),
        },
      },
    });

    this.schedule = new events.Rule(this, 'Daily', {
      description: "Exports the billing ledger's previous and current months for Athena",
      schedule: events.Schedule.cron({ minute: '30', hour: '2' }),
      targets: [new targets.LambdaFunction(this.function.function, { retryAttempts: 2, maxEventAge: Duration.hours(6) })],
    });
  }
}
