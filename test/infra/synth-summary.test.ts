/**
 * `npm run synth` ends with a summary read back from the cloud assembly: stacks, resources by type, each Lambda
 * function with its bundle size, the cdk-nag result and where `cdk.out` is (issue 8, item 4).
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { App, Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';

import { formatBytes, readSynthSummary, renderSynthSummary, type SynthSummary } from '#infra/ops/synth-summary.js';
import { RelaisStack } from '#infra/relais-stack.js';
import { HANDLERS } from '#infra/topology.js';

const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

const outdirs: string[] = [];
/** A private assembly directory: the worker's shared CDK_OUTDIR holds other tests' assemblies and assets. */
function freshOutdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'relais-synth-summary-'));
  outdirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('readSynthSummary on the Relais app as infra/app.ts builds it (bundling skipped)', () => {
  const app = new App({ autoSynth: false, outdir: freshOutdir(), context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  new RelaisStack(app, 'Relais');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  const template = JSON.parse(readFileSync(join(assembly.directory, 'Relais.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
  const summary = readSynthSummary(assembly.directory);

  it('names the one stack and counts every resource of its template, by type', () => {
    expect(summary.stacks.map((s) => s.name)).toEqual(['Relais']);
    const [stack] = summary.stacks;
    expect(stack!.resourceCount).toBe(Object.keys(template.Resources).length);
    expect(stack!.resourcesByType.reduce((sum, t) => sum + t.count, 0)).toBe(stack!.resourceCount);
    const functions = stack!.resourcesByType.find((t) => t.type === 'AWS::Lambda::Function');
    expect(functions?.count).toBe(Object.keys(HANDLERS).length);
    expect(stack!.resourcesByType.map((t) => t.count)).toEqual([...stack!.resourcesByType.map((t) => t.count)].sort((a, b) => b - a));
  });

  it('lists one line per handler in infra/topology.ts, unbundled when bundling is skipped', () => {
    const [stack] = summary.stacks;
    expect(stack!.functions).toHaveLength(Object.keys(HANDLERS).length);
    for (const fn of stack!.functions) {
      expect(fn).toMatchObject({ runtime: 'nodejs24.x', bundle: undefined });
      expect(fn.memoryMb).toBeGreaterThanOrEqual(128);
    }
  });

  it('reports cdk-nag without findings and counts the acknowledgements the stack records', () => {
    const recorded = app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .reduce((sum, m) => sum + Object.keys(m.data as Record<string, string>).length, 0);

    expect(summary.findings).toEqual([]);
    expect(summary.stacks[0]!.acknowledgedRules).toBe(recorded);
    expect(recorded).toBeGreaterThan(0);
  });

  it('renders the stack, its resource count, every function and "no findings"', () => {
    const text = renderSynthSummary(summary, { cwd: '/' });

    expect(text).toContain(`into ${assembly.directory.slice(1)} (${assembly.directory})`);
    expect(text).toContain(`Relais: ${Object.keys(template.Resources).length} resources (`);
    expect(text).toContain(`${Object.keys(HANDLERS).length} Lambda functions:`);
    expect(text.split('\n').filter((line) => line.includes('not bundled'))).toHaveLength(Object.keys(HANDLERS).length);
    expect(text).toContain('cdk-nag: no findings;');
  });
});

describe('readSynthSummary on a staged function bundle', () => {
  it('gives each function the size of the asset directory staged in the assembly, code apart from its source map', () => {
    // A prebuilt bundle, staged as NodejsFunction stages esbuild's output (asset.<hash>/index.mjs + index.mjs.map),
    // without running esbuild: quick, and no bundler output in the test run.
    const bundleDir = freshOutdir();
    const code = `export const handler = async () => ({ statusCode: 200, body: ${JSON.stringify('مرحبا 👋 '.repeat(5_000))} });\n`;
    writeFileSync(join(bundleDir, 'index.mjs'), code);
    writeFileSync(join(bundleDir, 'index.mjs.map'), JSON.stringify({ version: 3, sources: ['verify-webhook.ts'], mappings: 'AAAA;'.repeat(30_000) }));
    const app = new App({ autoSynth: false, outdir: freshOutdir(), context: { ...CDK_JSON_CONTEXT, 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true } });
    const stack = new Stack(app, 'Bundled');
    new lambda.Function(stack, 'Verify', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromAsset(bundleDir), memorySize: 1769 });
    const assembly = app.synth();
    // Asset metadata on: the template names the staged directory itself, a second route to the bundle.
    const template = JSON.parse(readFileSync(join(assembly.directory, 'Bundled.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    const [fn] = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    const stagedDir = join(assembly.directory, fn!.Metadata!['aws:asset:path']!);
    const codeBytes = statSync(join(stagedDir, 'index.mjs')).size;
    const mapBytes = statSync(join(stagedDir, 'index.mjs.map')).size;

    const summary = readSynthSummary(assembly.directory);

    expect(codeBytes).toBe(Buffer.byteLength(code));
    expect(summary.stacks[0]!.functions).toEqual([
      { path: 'Verify', runtime: 'nodejs24.x', memoryMb: 1769, bundle: { codeBytes, totalBytes: codeBytes + mapBytes, files: 2 } },
    ]);
    expect(renderSynthSummary(summary)).toContain(`    Verify  ${formatBytes(codeBytes)} code, ${formatBytes(codeBytes + mapBytes)} with source map  (nodejs24.x, 1769 MB)`);
  });
});

describe('renderSynthSummary', () => {
  const base: SynthSummary = {
    directory: '/home/zoë/relais/cdk.out',
    stacks: [
      {
        name: 'Relais-Prod',
        templateFile: '/home/zoë/relais/cdk.out/Relais-Prod.template.json',
        resourceCount: 9,
        resourcesByType: [
          { type: 'AWS::IAM::Role', count: 4 },
          { type: 'AWS::Lambda::Function', count: 3 },
          { type: 'AWS::SQS::Queue', count: 1 },
          { type: 'AWS::SNS::Topic', count: 1 },
        ],
        functions: [],
        acknowledgedRules: 1,
      },
    ],
    validationPlugins: [],
    findings: [],
  };

  it('names the top resource types and how many more there are', () => {
    const text = renderSynthSummary(base, { cwd: '/home/zoë/relais', topTypes: 2 });

    expect(text.split('\n')).toEqual([
      'Synthesized 1 stack into cdk.out (/home/zoë/relais/cdk.out)',
      '  Relais-Prod: 9 resources (4 AWS::IAM::Role, 3 AWS::Lambda::Function, … 2 more types)',
      '  cdk-nag: no findings; 1 rule acknowledgement, each with its reason',
    ]);
  });

  it('counts findings by severity, names rule and construct, and points at the validation report', () => {
    const summary: SynthSummary = {
      ...base,
      validationPlugins: ['AwsSolutions'],
      findings: [
        { plugin: 'AwsSolutions', rule: 'AwsSolutions-SQS3', severity: 'warning', constructs: ['Relais-Prod/Queue/Resource'] },
        { plugin: 'AwsSolutions', rule: 'AwsSolutions-L1', severity: 'warning', constructs: ['Relais-Prod/Fn/Resource', 'Relais-Prod/Fn2/Resource'] },
        { plugin: 'AwsSolutions', rule: 'AwsSolutions-S1', severity: 'error', constructs: [] },
      ],
    };

    const lines = renderSynthSummary(summary, { cwd: '/elsewhere' }).split('\n');

    expect(lines.slice(2)).toEqual([
      '  cdk-nag (AwsSolutions): 1 error, 2 warnings; 1 rule acknowledgement, each with its reason; details in /home/zoë/relais/cdk.out/validation-report.json',
      '    warning AwsSolutions-SQS3 on Relais-Prod/Queue/Resource',
      '    warning AwsSolutions-L1 on Relais-Prod/Fn/Resource, Relais-Prod/Fn2/Resource',
      '    error AwsSolutions-S1 on (no construct named)',
    ]);
    expect(lines[0]).toBe('Synthesized 1 stack into /home/zoë/relais/cdk.out');
  });

  it('sizes bundles in KiB below a MiB and in MiB above', () => {
    expect([formatBytes(0), formatBytes(1023), formatBytes(1024), formatBytes(1_031_066), formatBytes(1_219_326), formatBytes(2 ** 53)]).toEqual([
      '0 B',
      '1023 B',
      '1.0 KiB',
      '1006.9 KiB',
      '1.16 MiB',
      '8589934592.00 MiB',
    ]);
  });
});

describe('readSynthSummary on a directory without an assembly', () => {
  it('throws naming the missing manifest and the command that makes one', () => {
    const dir = freshOutdir();
    expect(() => readSynthSummary(dir)).toThrow(`${join(dir, 'manifest.json')} not found: run \`npm run synth\``);
  });
});
