import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { RelaisStack } from '#infra/relais-stack.js';
import { STATE_TABLE } from '#infra/topology.js';

const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

/** The app as infra/app.ts builds it (cdk-nag AWS Solutions checks registered), with bundling skipped. */
function nagApp(): { app: App; stack: RelaisStack } {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new RelaisStack(app, 'Relais');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

type Violation = { ruleName: string; severity: string; violatingConstructs: Array<{ constructPath: string }> };
type ValidationReport = { pluginReports: Array<{ pluginName: string; violations: Violation[] }> };

const readReport = (directory: string): ValidationReport => JSON.parse(readFileSync(join(directory, 'validation-report.json'), 'utf8')) as ValidationReport;

describe('synth-time validation (cdk-nag AWS Solutions checks and CloudFormation template validation)', () => {
  it('report no unacknowledged finding on the Relais stack', () => {
    const { app } = nagApp();
    const assembly = app.synth();
    expect(readReport(assembly.directory).pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });

  it('accept a function bound to an indexed table through StateTables.bind', () => {
    const { app, stack } = nagApp();
    stack.tables.bind(stack.ingress.handler('receive-webhook'), STATE_TABLE);
    expect(readReport(app.synth().directory).pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });

  it('fail synthesis when a resource breaks a rule without an acknowledgement', () => {
    const { app, stack } = nagApp();
    new s3.Bucket(stack, 'UnloggedBucket', { enforceSSL: true });
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
    const violations = readReport(app.outdir).pluginReports.flatMap((r) => r.violations);
    expect(violations.map((v) => [v.ruleName, v.severity, v.violatingConstructs.map((c) => c.constructPath)])).toEqual([
      ['AwsSolutions-S1', 'error', ['Relais/UnloggedBucket/Resource']],
    ]);
  });
});
