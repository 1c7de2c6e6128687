import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What `npm run synth` produced, read back from the cloud assembly (`cdk.out`) and printed in a few lines after
 * `cdk synth --quiet`: the stacks, their resources by type, every Lambda function with its bundle size, the cdk-nag
 * result and where the assembly is.
 *
 *   npx tsx infra/ops/synth-summary.ts [cdk.out]
 *
 * Sources, all written by the CDK (https://docs.aws.amazon.com/cdk/v2/guide/apps.html#apps-cloud-assemblies):
 * `manifest.json` (the artifacts: stacks and nested assemblies), each stack's template (resources, and the asset
 * behind each function's `Code.S3Key`), its `.assets.json` (where the asset was staged), its metadata (the
 * acknowledged cdk-nag rules, `aws:cdk:acknowledged-rules`) and `validation-report.json`, where the validation plugins
 * registered in infra/app.ts (cdk-nag's AWS Solutions checks) report their findings. A finding of severity `error`
 * fails `cdk synth` itself, so the summary, run only after a successful synth, normally sees warnings at most.
 */

/** One Lambda function of a stack. */
export interface FunctionSummary {
  /** The function's construct path inside its stack, without the trailing `/Resource` (`Ingress/VerifyWebhook/Function`). */
  readonly path: string;
  readonly runtime: string | undefined;
  readonly memoryMb: number | undefined;
  /**
   * The staged bundle: the largest file that is not a source map (the handler code) and every file together.
   * `undefined` when the asset is not a bundle staged in the assembly (bundling skipped, or code from elsewhere).
   */
  readonly bundle: { readonly codeBytes: number; readonly totalBytes: number; readonly files: number } | undefined;
}

export interface StackSummary {
  readonly name: string;
  readonly templateFile: string;
  readonly resourceCount: number;
  /** Resource types, most frequent first (ties by name). */
  readonly resourcesByType: ReadonlyArray<{ readonly type: string; readonly count: number }>;
  /** Sorted by path. */
  readonly functions: readonly FunctionSummary[];
  /** How many (construct, rule) acknowledgements the stack records, each with its reason. */
  readonly acknowledgedRules: number;
}

export interface ValidationFinding {
  readonly plugin: string;
  readonly rule: string;
  readonly severity: string;
  readonly constructs: readonly string[];
}

export interface SynthSummary {
  /** Absolute path of the cloud assembly. */
  readonly directory: string;
  readonly stacks: readonly StackSummary[];
  /** Names of the validation plugins that ran (`AwsSolutions` for cdk-nag); empty when no report was written. */
  readonly validationPlugins: readonly string[];
  readonly findings: readonly ValidationFinding[];
}

interface Manifest {
  readonly artifacts?: Record<string, { type: string; properties?: Record<string, unknown>; additionalMetadataFile?: string; metadata?: Record<string, MetadataEntry[]>; displayName?: string }>;
}
interface MetadataEntry {
  readonly type: string;
  readonly data?: unknown;
}
interface Template {
  readonly Resources?: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
}
interface AssetManifest {
  readonly files?: Record<string, { source?: { path?: string; packaging?: string } }>;
}
interface ValidationReport {
  readonly pluginReports?: ReadonlyArray<{
    pluginName: string;
    violations?: ReadonlyArray<{ ruleName: string; severity: string; violatingConstructs?: ReadonlyArray<{ constructPath: string }> }>;
  }>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

function directorySize(directory: string): { codeBytes: number; totalBytes: number; files: number } {
  let codeBytes = 0;
  let totalBytes = 0;
  let files = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const size = statSync(path).size;
        files += 1;
        totalBytes += size;
        if (!entry.name.endsWith('.map')) codeBytes = Math.max(codeBytes, size);
      }
    }
  };
  walk(directory);
  return { codeBytes, totalBytes, files };
}

/** The asset hash in a function's `Code.S3Key` (`<hash>.zip`), as the default synthesizer names it. */
function assetHashOf(code: unknown): string | undefined {
  const key = (code as { S3Key?: unknown } | undefined)?.S3Key;
  return typeof key === 'string' ? /^([0-9a-f]{64})\.zip$/.exec(key)?.[1] : undefined;
}

function functionsOf(template: Template, stackName: string, assets: AssetManifest, assemblyDir: string): FunctionSummary[] {
  const functions: FunctionSummary[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const cdkPath = resource.Metadata?.['aws:cdk:path'];
    const path = typeof cdkPath === 'string' ? cdkPath.replace(new RegExp(`^${stackName}/`), '').replace(/\/Resource$/, '') : logicalId;
    const hash = assetHashOf(resource.Properties?.['Code']);
    const source = hash === undefined ? undefined : assets.files?.[hash]?.source?.path;
    // A bundle is staged inside the assembly (asset.<hash>); with bundling skipped the source is the project itself.
    const staged = source === undefined ? undefined : resolve(assemblyDir, source);
    const isStagedBundle = staged !== undefined && !isAbsolute(source!) && existsSync(staged) && statSync(staged).isDirectory();
    const memory = resource.Properties?.['MemorySize'];
    const runtime = resource.Properties?.['Runtime'];
    functions.push({
      path,
      runtime: typeof runtime === 'string' ? runtime : undefined,
      memoryMb: typeof memory === 'number' ? memory : undefined,
      bundle: isStagedBundle ? directorySize(staged!) : undefined,
    });
  }
  return functions.sort((a, b) => a.path.localeCompare(b.path));
}

function countAcknowledgements(metadata: Record<string, MetadataEntry[]>): number {
  let count = 0;
  for (const entries of Object.values(metadata)) {
    for (const entry of entries) {
      if (entry.type === 'aws:cdk:acknowledged-rules' && entry.data !== null && typeof entry.data === 'object') count += Object.keys(entry.data).length;
    }
  }
  return count;
}

function readStacks(assemblyDir: string): StackSummary[] {
  const manifest = readJson<Manifest>(join(assemblyDir, 'manifest.json'));
  const stacks: StackSummary[] = [];
  for (const [artifactId, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:cloud-assembly') {
      const nested = artifact.properties?.['directoryName'];
      if (typeof nested === 'string') stacks.push(...readStacks(join(assemblyDir, nested)));
      continue;
    }
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const templateFile = String(artifact.properties?.['templateFile'] ?? `${artifactId}.template.json`);
    const template = readJson<Template>(join(assemblyDir, templateFile));
    const assetsFile = join(assemblyDir, `${artifactId}.assets.json`);
    const assets = existsSync(assetsFile) ? readJson<AssetManifest>(assetsFile) : {};
    const metadata = artifact.additionalMetadataFile ? readJson<Record<string, MetadataEntry[]>>(join(assemblyDir, artifact.additionalMetadataFile)) : (artifact.metadata ?? {});
    const name = artifact.displayName ?? artifactId;

    const byType = new Map<string, number>();
    for (const resource of Object.values(template.Resources ?? {})) byType.set(resource.Type, (byType.get(resource.Type) ?? 0) + 1);
    stacks.push({
      name,
      templateFile: join(assemblyDir, templateFile),
      resourceCount: Object.keys(template.Resources ?? {}).length,
      resourcesByType: [...byType].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count || a.type.localeCompare(b.type)),
      functions: functionsOf(template, name, assets, assemblyDir),
      acknowledgedRules: countAcknowledgements(metadata),
    });
  }
  return stacks;
}

/**
 * Reads the cloud assembly in `assemblyDir` (as `cdk synth` or `app.synth()` left it).
 *
 * @throws Error naming the missing file when `assemblyDir` holds no `manifest.json`.
 */
export function readSynthSummary(assemblyDir: string): SynthSummary {
  const directory = resolve(assemblyDir);
  if (!existsSync(join(directory, 'manifest.json'))) {
    throw new Error(`${join(directory, 'manifest.json')} not found: run \`npm run synth\` first (or pass the assembly directory).`);
  }
  const reportFile = join(directory, 'validation-report.json');
  const report: ValidationReport = existsSync(reportFile) ? readJson<ValidationReport>(reportFile) : {};
  const plugins = report.pluginReports ?? [];
  return {
    directory,
    stacks: readStacks(directory),
    validationPlugins: plugins.map((p) => p.pluginName),
    findings: plugins.flatMap((p) =>
      (p.violations ?? []).map((v) => ({
        plugin: p.pluginName,
        rule: v.ruleName,
        severity: v.severity,
        constructs: (v.violatingConstructs ?? []).map((c) => c.constructPath),
      })),
    ),
  };
}

/** `1.16 MiB`, `912.4 KiB`, `37 B`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

export interface RenderOptions {
  /** Directory the assembly path is shown relative to, when it lies inside it. @default process.cwd() */
  readonly cwd?: string;
  /** How many resource types to name per stack before "… N more types". @default 6 */
  readonly topTypes?: number;
}

/** The summary as printed at the end of `npm run synth`. */
export function renderSynthSummary(summary: SynthSummary, options: RenderOptions = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const topTypes = options.topTypes ?? 6;
  const inside = relative(cwd, summary.directory);
  const shownDir = inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) ? inside : summary.directory;
  const lines: string[] = [];

  const where = shownDir === summary.directory ? shownDir : `${shownDir} (${summary.directory})`;
  lines.push(`Synthesized ${summary.stacks.length} stack${summary.stacks.length === 1 ? '' : 's'} into ${where}`);
  for (const stack of summary.stacks) {
    const named = stack.resourcesByType.slice(0, topTypes).map((t) => `${t.count} ${t.type}`);
    const rest = stack.resourcesByType.length - named.length;
    lines.push(`  ${stack.name}: ${stack.resourceCount} resources (${named.join(', ')}${rest > 0 ? `, … ${rest} more type${rest === 1 ? '' : 's'}` : ''})`);
    if (stack.functions.length > 0) {
      lines.push(`  ${stack.functions.length} Lambda function${stack.functions.length === 1 ? '' : 's'}:`);
      const width = Math.max(...stack.functions.map((f) => f.path.length));
      for (const fn of stack.functions) {
        const facts = [fn.runtime, fn.memoryMb === undefined ? undefined : `${fn.memoryMb} MB`].filter((x) => x !== undefined).join(', ');
        const size = fn.bundle === undefined ? 'not bundled' : `${formatBytes(fn.bundle.codeBytes)} code, ${formatBytes(fn.bundle.totalBytes)} with source map`;
        lines.push(`    ${fn.path.padEnd(width)}  ${size}${facts === '' ? '' : `  (${facts})`}`);
      }
    }
  }

  const acknowledged = summary.stacks.reduce((sum, s) => sum + s.acknowledgedRules, 0);
  const ackText = `${acknowledged} rule acknowledgement${acknowledged === 1 ? '' : 's'}, each with its reason`;
  // A plugin that finds nothing reports nothing, so a clean run names no plugin; infra/app.ts registers cdk-nag.
  const plugins = summary.validationPlugins.length === 0 ? '' : ` (${summary.validationPlugins.join(', ')})`;
  if (summary.findings.length === 0) {
    lines.push(`  cdk-nag: no findings; ${ackText}`);
  } else {
    const bySeverity = new Map<string, number>();
    for (const f of summary.findings) bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
    const counts = [...bySeverity].sort(([a], [b]) => a.localeCompare(b)).map(([severity, n]) => `${n} ${severity}${n === 1 ? '' : 's'}`);
    lines.push(`  cdk-nag${plugins}: ${counts.join(', ')}; ${ackText}; details in ${join(shownDir, 'validation-report.json')}`);
    for (const f of summary.findings.slice(0, 10)) lines.push(`    ${f.severity} ${f.rule} on ${f.constructs.join(', ') || '(no construct named)'}`);
    if (summary.findings.length > 10) lines.push(`    … ${summary.findings.length - 10} more`);
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(renderSynthSummary(readSynthSummary(process.argv[2] ?? 'cdk.out')));
  } catch (error) {
    console.error(`synth summary: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
