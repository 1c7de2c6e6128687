import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { RelaisStack } from '#infra/relais-stack.js';
import { ROUTES, STATE_TABLE } from '#infra/topology.js';

const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

/** The app as infra/app.ts builds it (cdk-nag AWS Solutions checks registered), with bundling skipped. */
function nagApp(): { app: App; stack: RelaisStack } {
  const app = new App({ autoSynth: false, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new RelaisStack(app, 'Relais');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

type Violation = { ruleName: string; severity: string; violatingConstructs: Array<{ constructPath: string }> };
type ValidationReport = { pluginReports: Array<{ pluginName: string; violations: Violation[] }> };

const readReport = (directory: string): ValidationReport => JSON.parse(readFileSync(join(directory, 'validation-report.json'), 'utf8')) as ValidationReport;
const findings = (directory: string) =>
  readReport(directory)
    .pluginReports.flatMap((r) => r.violations)
    .map((v) => [v.ruleName, v.violatingConstructs.map((c) => c.constructPath)]);

/** Every acknowledgement recorded in the app: where, which rule, and why. */
function acknowledgements(app: App): Array<{ path: string; rule: string; reason: string }> {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([rule, reason]) => ({ path: construct.node.path, rule: rule.replace(/^Annotation::/, ''), reason })),
  );
}

describe('synth-time validation (cdk-nag AWS Solutions checks and CloudFormation template validation)', () => {
  it('report no unacknowledged finding on the Relais stack', () => {
    const { app } = nagApp();
    const assembly = app.synth();
    expect(readReport(assembly.directory).pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });

  it('report no unacknowledged finding with scheduled template syncs configured', () => {
    const app = new App({ autoSynth: false, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], templateSyncAccounts: ['102290129340398', '18014398509481985123'] } });
    new RelaisStack(app, 'Relais');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(readReport(app.synth().directory).pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });

  it('accept a function bound to an indexed table through StateTables.bind', () => {
    const { app, stack } = nagApp();
    stack.tables.bind(stack.ingress.handler('receive-webhook'), STATE_TABLE);
    expect(readReport(app.synth().directory).pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });

  it('acknowledge each finding on the construct that causes it, with a one-line reason, never on the app or stack', () => {
    const { app, stack } = nagApp();
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.path, ack.rule).not.toBe('');
      expect(ack.path, ack.rule).not.toBe(stack.node.path);
      expect(ack.reason.trim().length, `${ack.path} ${ack.rule}`).toBeGreaterThan(20);
      expect(ack.reason, `${ack.path} ${ack.rule}`).not.toMatch(/\n/);
    }
    const byRule = (pattern: RegExp) => [...new Set(acks.filter((a) => pattern.test(a.rule)).map((a) => a.path))].sort();
    // Unauthenticated routes: Meta's two webhook routes only; every other route is IAM-authorised.
    expect(byRule(/^AwsSolutions-APIG4$/)).toEqual(ROUTES.filter((r) => r.auth === 'none').map((r) => `Relais/Ingress/Api/${r.method}--webhook`).sort());
    expect(byRule(/^AwsSolutions-SMG4$/)).toEqual(['Relais/WhatsAppSecrets/AccessToken', 'Relais/WhatsAppSecrets/AppSecret', 'Relais/WhatsAppSecrets/VerifyToken']);
    // Wildcards: only on function roles, each naming the one resource or action pattern it accepts.
    for (const path of byRule(/^AwsSolutions-IAM5/)) expect(path).toMatch(/^Relais\/(Ingress|Consumers|TemplateSync|LedgerExport)\/[A-Za-z]+\/Role$/);
    for (const ack of acks.filter((a) => a.rule.startsWith('AwsSolutions-IAM5'))) expect(ack.rule).toMatch(/^AwsSolutions-IAM5\[(Resource|Action)::.+\]$/);
    // A queue without a DLQ: only the template sync's failure queue, which is the DLQ of its schedule and function.
    expect(byRule(/^AwsSolutions-SQS3$/)).toEqual(['Relais/TemplateSync/Failures']);
    expect([...new Set(acks.map((a) => a.rule.replace(/\[.*$/, '')))].sort()).toEqual(['AwsSolutions-APIG4', 'AwsSolutions-IAM5', 'AwsSolutions-SMG4', 'AwsSolutions-SQS3']);
  });

  it('still report an unauthenticated route that is not the webhook', () => {
    const { app, stack } = nagApp();
    stack.ingress.api.addRoutes({
      path: '/debug',
      methods: [apigw.HttpMethod.GET],
      integration: new HttpLambdaIntegration('Debug', stack.ingress.handler('get-contact').function),
    });
    expect(() => app.synth()).toThrow(/AwsSolutions-APIG4/);
    expect(findings(app.outdir)).toEqual([['AwsSolutions-APIG4', ['Relais/Ingress/Api/GET--debug/Resource']]]);
  });

  it('still report a queue without a dead-letter queue next to the consumer queues', () => {
    const { app, stack } = nagApp();
    new sqs.Queue(stack.consumers, 'Stray', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
    expect(findings(app.outdir)).toEqual([['AwsSolutions-SQS3', ['Relais/Consumers/Stray/Resource']]]);
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
