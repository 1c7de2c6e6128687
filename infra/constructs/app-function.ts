import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { TableAccess } from '../topology.js';

/** Repository root, resolved from this file's location so synth works from any working directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Directory holding one module per Lambda handler (`functions/<name>.ts`, exporting `handler`). */
export const FUNCTIONS_DIR = join(REPO_ROOT, 'functions');

/** Levels that both Powertools (`LOG_LEVEL`) and Lambda's application log-level filter understand. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Value of `POWERTOOLS_SERVICE_NAME` on every function. */
export const SERVICE_NAME = 'relais';

export interface AppFunctionProps {
  /** Handler module name under `functions/` (without `.ts`); the module must export `handler`. */
  readonly handlerName: string;
  /** @default - a description naming the handler module */
  readonly description?: string;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** Merged over the defaults (`LOG_LEVEL`, `POWERTOOLS_SERVICE_NAME`, `NODE_OPTIONS`). */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Level for Powertools and for Lambda's JSON log filter. @default 'INFO' */
  readonly logLevel?: LogLevel;
  /** Directory holding the handler modules. @default FUNCTIONS_DIR */
  readonly functionsDir?: string;
}

/**
 * One Lambda with every Relais default: Node.js 24 on arm64, ESM bundled locally by esbuild (AWS SDK
 * included, so the versions in package-lock.json are the versions that run), source maps, an explicit log
 * group with retention, JSON logs, active tracing and a role that can write only to its own log group.
 */
export class AppFunction extends Construct implements iam.IGrantable {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly handlerName: string;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);
    this.handlerName = props.handlerName;
    const entry = join(props.functionsDir ?? FUNCTIONS_DIR, `${props.handlerName}.ts`);
    if (!existsSync(entry)) {
      throw new Error(`AppFunction ${this.node.path}: handler module not found at ${entry} (expected functions/${props.handlerName}.ts exporting "handler")`);
    }
    const logLevel = props.logLevel ?? 'INFO';

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Own role instead of AWSLambdaBasicExecutionRole, whose log permissions cover every log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.handlerName} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      description: props.description ?? `Relais ${props.handlerName}`,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel[logLevel],
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        LOG_LEVEL: logLevel,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        // Bundled CommonJS dependencies may call require() on Node built-ins, which ESM output lacks.
        banner: "import { createRequire as __relaisCreateRequire } from 'node:module'; const require = __relaisCreateRequire(import.meta.url);",
        bundleAwsSDK: true,
        minify: true,
        // Error classes derive `name` from their constructor (shared/errors.ts); keep it through minification.
        keepNames: true,
        sourceMap: true,
        sourcesContent: false,
        forceDockerBundling: false,
        // esbuild's per-file size table (with a warning sign over 1 MB, which every bundled SDK exceeds) says nothing
        // actionable; `npm run synth` ends with each function's bundle size instead (infra/ops/synth-summary.ts).
        logLevel: nodejs.LogLevel.WARNING,
      },
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Only the X-Ray statement added by active tracing: xray:PutTraceSegments/PutTelemetryRecords support no resource-level permissions.',
    });
  }

  get grantPrincipal(): iam.IPrincipal {
    return this.role;
  }

  /** Sets (or overrides) one environment variable. */
  addEnvironment(name: string, value: string): this {
    this.function.addEnvironment(name, value);
    return this;
  }
}


/**
 * Grants `fn` access to `table` (and its indexes) and passes the table name through `envVar`, so a handler
 * never receives a table it cannot use nor holds a grant it cannot find.
 */
export function bindTable(fn: AppFunction, table: dynamodb.ITableV2, envVar: string, access: TableAccess = 'readWrite'): void {
  if (access === 'read') table.grantReadData(fn);
  else table.grantReadWriteData(fn);
  fn.addEnvironment(envVar, table.tableName);
}
