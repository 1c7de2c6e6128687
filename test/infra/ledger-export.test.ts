import { readFileSync } from 'node:fs';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';

import { LEDGER_EXPORT_COLUMNS } from '#infra/constructs/ledger-export.js';
import { RelaisStack } from '#infra/relais-stack.js';

const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

let stack: RelaisStack;
let template: Template;
beforeAll(() => {
  const app = new App({ autoSynth: false, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  stack = new RelaisStack(app, 'Relais');
  template = Template.fromStack(stack);
});

const logicalId = (element: { node: { defaultChild?: unknown } }) => Stack.of(element as never).getLogicalId(element.node.defaultChild as CfnElement);

describe('the ledger export for Athena', () => {
  it('declares a Glue table over ledger/ as JSON lines, with month projected from 2024-01, so no partition is ever added', () => {
    const tables = Object.values(template.findResources('AWS::Glue::Table')) as { Properties: { DatabaseName: unknown; TableInput: Record<string, unknown> } }[];
    expect(tables).toHaveLength(1);
    const input = tables[0]!.Properties.TableInput as {
      Name: string;
      PartitionKeys: unknown;
      Parameters: Record<string, unknown>;
      StorageDescriptor: { SerdeInfo: { SerializationLibrary: string }; Columns: { Name: string; Type: string }[]; Location: unknown };
    };
    expect(tables[0]!.Properties.DatabaseName).toEqual({ Ref: stack.getLogicalId(stack.ledgerExport.database) });
    expect(input.Name).toBe('ledger');
    expect(input.PartitionKeys).toEqual([{ Name: 'month', Type: 'string' }]);
    expect(input.Parameters).toMatchObject({ 'projection.enabled': 'true', 'projection.month.type': 'date', 'projection.month.format': 'yyyy-MM', 'projection.month.range': '2024-01,NOW' });
    expect(JSON.stringify(input.Parameters['storage.location.template'])).toContain('/ledger/month=${month}/');
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
    expect(input.StorageDescriptor.Columns.map((c) => [c.Name, c.Type])).toEqual(LEDGER_EXPORT_COLUMNS.map((c) => [c.name, c.type]));
    expect(JSON.stringify(input.StorageDescriptor.Location)).toContain(logicalId(stack.ledgerExport.bucket));
  });

  it('keeps the export in a retained, versioned, encrypted bucket with access logs, and runs it daily', () => {
    expect(template.toJSON()['Resources'][logicalId(stack.ledgerExport.bucket)]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        LoggingConfiguration: { LogFilePrefix: 'ledger-export/' },
      },
    });
    const fnArn = { 'Fn::GetAtt': [logicalId(stack.ledgerExport.function.function), 'Arn'] };
    const rule = Object.values(template.findResources('AWS::Events::Rule')).find((r) => JSON.stringify((r as { Properties: { Targets: { Arn: unknown }[] } }).Properties.Targets[0]?.Arn) === JSON.stringify(fnArn)) as
      | { Properties: { ScheduleExpression: string; Targets: { RetryPolicy: unknown }[] } }
      | undefined;
    expect(rule?.Properties.ScheduleExpression).toBe('cron(30 2 * * ? *)');
    expect(rule?.Properties.Targets[0]?.RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21_600 });
    template.hasOutput('LedgerExportBucket', { Value: { Ref: logicalId(stack.ledgerExport.bucket) } });
  });
});
