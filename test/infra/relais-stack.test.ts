import { readFileSync } from 'node:fs';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppFunction } from '#infra/constructs/app-function.js';
import { RelaisStack } from '#infra/relais-stack.js';
import { ENV, ROUTES, TABLES, TTL_ATTRIBUTE } from '#infra/topology.js';

/** The feature flags `cdk synth` applies (cdk.json), so the template under test is the one that deploys. */
const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

/** CloudFormation's built-in template validation is slow; nag.test.ts runs it, with cdk-nag, on the same app. */
function synth(context: Record<string, unknown> = {}): { stack: RelaisStack; template: Template } {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context }, builtinCloudFormationValidation: false });
  const stack = new RelaisStack(app, 'Relais');
  return { stack, template: Template.fromStack(stack) };
}

function logicalId(element: { node: { defaultChild?: unknown } }): string {
  return Stack.of(element as never).getLogicalId(element.node.defaultChild as CfnElement);
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
type PolicyResource = { Properties: { Roles: Array<{ Ref: string }>; PolicyDocument: { Statement: Statement[] } } };

function statementsOf(template: Template, fn: AppFunction): Statement[] {
  const roleId = logicalId(fn.role);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as PolicyResource[];
  return policies.filter((p) => p.Properties.Roles.some((r) => r.Ref === roleId)).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

describe('RelaisStack with default configuration', () => {
  let stack: RelaisStack;
  let template: Template;
  beforeAll(() => {
    ({ stack, template } = synth());
  });

  describe('HTTP API', () => {
    it.each(ROUTES)('routes $method $path to the $handler function without an AWS authorizer', (route) => {
      const fnId = logicalId(stack.ingress.handler(route.handler).function);
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration', {
        Properties: { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0', IntegrationUri: { 'Fn::GetAtt': [fnId, 'Arn'] } },
      });
      const integrationIds = Object.keys(integrations);
      expect(integrationIds).toHaveLength(1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${route.path}`,
        AuthorizationType: 'NONE',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationIds[0] }]] },
      });
    });

    it('exposes exactly the routes of the topology', () => {
      const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => (r as { Properties: { RouteKey: string } }).Properties.RouteKey);
      expect(routeKeys.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    });

    it('throttles the default stage and writes JSON access logs without the query string to a retained log group', () => {
      const logGroupId = logicalId(stack.ingress.accessLogGroup);
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
        AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] }, Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
      });
      const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0] as { Properties: { AccessLogSettings: { Format: string } } };
      expect(stage.Properties.AccessLogSettings.Format).not.toMatch(/querystring|queryString|verify_token/i);
      template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
      expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]).toMatchObject({ Properties: { RetentionInDays: 30 } });
    });

    it('outputs the API URL and the webhook callback URL', () => {
      template.hasOutput('*', { Description: 'Base URL of the Relais HTTP API' });
      template.hasOutput('WebhookCallbackUrl', {
        Value: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/webhook$')])] },
      });
    });
  });

  describe('Lambda functions', () => {
    it('creates one function per distinct route handler', () => {
      template.resourceCountIs('AWS::Lambda::Function', new Set(ROUTES.map((r) => r.handler)).size);
    });

    it('runs every function on Node.js 24, arm64, with JSON logs to its own log group and active tracing', () => {
      for (const fn of stack.ingress.functions.values()) {
        const logGroupId = logicalId(fn.logGroup);
        template.hasResourceProperties('AWS::Lambda::Function', {
          FunctionName: Match.absent(),
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', LogGroup: { Ref: logGroupId } },
          Role: { 'Fn::GetAtt': [logicalId(fn.role), 'Arn'] },
        });
        expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]).toMatchObject({ Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
      }
    });

    it('gives receive-webhook 1 GB for 3 MB bodies and verify-webhook 256 MB, both within the 30 s API timeout', () => {
      const props = (name: string) => template.findResources('AWS::Lambda::Function')[logicalId(stack.ingress.handler(name).function)]?.['Properties'];
      expect(props('receive-webhook')).toMatchObject({ MemorySize: 1024, Timeout: 20 });
      expect(props('verify-webhook')).toMatchObject({ MemorySize: 256, Timeout: 5 });
    });

    it('sets exactly the environment each handler reads', () => {
      const common = { LOG_LEVEL: 'INFO', POWERTOOLS_SERVICE_NAME: 'relais', NODE_OPTIONS: '--enable-source-maps' };
      const envOf = (name: string) => template.findResources('AWS::Lambda::Function')[logicalId(stack.ingress.handler(name).function)]?.['Properties'].Environment.Variables;
      expect(envOf('verify-webhook')).toEqual({ ...common, [ENV.verifyTokenArn]: { Ref: logicalId(stack.secrets.verifyToken) } });
      expect(envOf('receive-webhook')).toEqual({
        ...common,
        [ENV.appSecretArn]: { Ref: logicalId(stack.secrets.appSecret) },
        [ENV.eventBusName]: { Ref: logicalId(stack.events.bus) },
        [ENV.payloadBucketName]: { Ref: logicalId(stack.payloads.bucket) },
      });
    });

    it('lets receive-webhook put events on the Relais bus and put objects into the payload bucket, and nothing more', () => {
      const statements = statementsOf(template, stack.ingress.handler('receive-webhook'));
      const bus = statements.filter((s) => actionsOf(s).includes('events:PutEvents'));
      expect(bus.map(resourcesOf)).toEqual([[{ 'Fn::GetAtt': [logicalId(stack.events.bus), 'Arn'] }]]);
      const s3 = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
      expect(s3).toHaveLength(1);
      expect(actionsOf(s3[0]!)).toContain('s3:PutObject');
      expect(actionsOf(s3[0]!).filter((a) => /Get|Delete|List/.test(a))).toEqual([]);
      expect(resourcesOf(s3[0]!)).toEqual([{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack.payloads.bucket), 'Arn'] }, '/*']] }]);
    });

    it('does not give the webhook handlers any DynamoDB access they do not use', () => {
      for (const fn of stack.ingress.functions.values()) {
        expect(statementsOf(template, fn).flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
      }
    });
  });

  describe('secrets', () => {
    it('creates the three WhatsApp secrets with generated placeholders, retained on delete', () => {
      template.resourceCountIs('AWS::SecretsManager::Secret', 3);
      template.allResources('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ GenerateSecretString: Match.anyValue() }) });
    });

    it('lets each function read only the secret it needs, and none read the access token', () => {
      const secretReads = (name: string) =>
        statementsOf(template, stack.ingress.handler(name))
          .filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')))
          .flatMap(resourcesOf);
      expect(secretReads('verify-webhook')).toEqual([{ Ref: logicalId(stack.secrets.verifyToken) }]);
      expect(secretReads('receive-webhook')).toEqual([{ Ref: logicalId(stack.secrets.appSecret) }]);
    });
  });

  describe('IAM', () => {
    it('uses Resource "*" only for the X-Ray actions, which support no resource-level permissions', () => {
      const policies = Object.values(template.findResources('AWS::IAM::Policy')) as PolicyResource[];
      const wildcard = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s) => resourcesOf(s).includes('*'));
      expect(wildcard.length).toBeGreaterThan(0);
      for (const statement of wildcard) {
        expect(actionsOf(statement).every((a) => a.startsWith('xray:'))).toBe(true);
      }
    });

    it('attaches no AWS managed policy to the function roles', () => {
      template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    });
  });

  describe('state tables', () => {
    it.each(TABLES)('creates $id with its keys, indexes, TTL, on-demand billing, PITR, encryption and deletion protection', (spec) => {
      const tableId = logicalId(stack.tables.table(spec));
      const table = template.findResources('AWS::DynamoDB::GlobalTable')[tableId];
      expect(table).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [
            { AttributeName: spec.partitionKey, KeyType: 'HASH' },
            { AttributeName: spec.sortKey, KeyType: 'RANGE' },
          ],
          SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
          Replicas: [{ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true }],
          ...(spec.ttlAttribute ? { TimeToLiveSpecification: { AttributeName: spec.ttlAttribute, Enabled: true } } : {}),
        },
      });
      expect(table?.['Properties'].TableName).toBeUndefined();
      expect(table?.['Properties'].GlobalSecondaryIndexes).toEqual(
        spec.globalIndexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      );
    });

    it('creates one table per topology entry, the state table expiring items by the shared TTL attribute', () => {
      template.resourceCountIs('AWS::DynamoDB::GlobalTable', TABLES.length);
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } });
    });
  });

  describe('event bus', () => {
    it('creates one custom bus and archives every event on it for 90 days, retained on delete', () => {
      template.resourceCountIs('AWS::Events::EventBus', 1);
      template.hasResource('AWS::Events::Archive', {
        DeletionPolicy: 'Retain',
        Properties: {
          SourceArn: { 'Fn::GetAtt': [logicalId(stack.events.bus), 'Arn'] },
          RetentionDays: 90,
          EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
        },
      });
    });
  });

  describe('payload store', () => {
    it('blocks public access, enforces TLS, encrypts, expires objects after 400 days and logs access', () => {
      const bucketId = logicalId(stack.payloads.bucket);
      expect(template.findResources('AWS::S3::Bucket')[bucketId]).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: {
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
          LifecycleConfiguration: { Rules: [{ Status: 'Enabled', ExpirationInDays: 400, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] },
          LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(stack.payloads.accessLogsBucket) } },
        },
      });
      expect(template.findResources('AWS::S3::Bucket')[bucketId]?.['Properties'].VersioningConfiguration).toBeUndefined();
    });

    it('denies non-TLS requests on both buckets', () => {
      for (const bucket of [stack.payloads.bucket, stack.payloads.accessLogsBucket]) {
        template.hasResourceProperties('AWS::S3::BucketPolicy', {
          Bucket: { Ref: logicalId(bucket) },
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    });

    it('hardens the access log bucket the same way', () => {
      expect(template.findResources('AWS::S3::Bucket')[logicalId(stack.payloads.accessLogsBucket)]).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: {
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
          LifecycleConfiguration: { Rules: [{ Status: 'Enabled', ExpirationInDays: 400 }] },
        },
      });
    });
  });

  it('tags resources with project=relais', () => {
    for (const type of ['AWS::Lambda::Function', 'AWS::S3::Bucket', 'AWS::Events::EventBus', 'AWS::SecretsManager::Secret', 'AWS::Logs::LogGroup']) {
      template.allResourcesProperties(type, { Tags: Match.arrayWith([{ Key: 'project', Value: 'relais' }]) });
    }
    template.allResourcesProperties('AWS::ApiGatewayV2::Api', { Tags: { project: 'relais' } });
  });
});

describe('RelaisStack configured through CDK context', () => {
  it('applies the retention settings to logs, the archive and payloads', () => {
    const { template } = synth({ logRetentionDays: '90', archiveRetentionDays: 7, payloadRetentionDays: 30, logLevel: 'DEBUG' });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    template.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 7 });
    template.allResourcesProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30 })] } });
    template.allResourcesProperties('AWS::Lambda::Function', {
      LoggingConfig: Match.objectLike({ ApplicationLogLevel: 'DEBUG' }),
      Environment: { Variables: Match.objectLike({ LOG_LEVEL: 'DEBUG' }) },
    });
  });

  it('applies the throttling settings to the default stage', () => {
    const { template } = synth({ apiThrottleRateLimit: 50, apiThrottleBurstLimit: '100' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } });
  });

  it('uses existing secrets given by ARN instead of creating them, and grants read on those ARNs', () => {
    const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:relais/${name}-AbC123`;
    const { stack, template } = synth({ appSecretArn: arn('app-secret'), verifyTokenArn: arn('verify-token'), accessTokenArn: arn('access-token') });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const envOf = (name: string) => template.findResources('AWS::Lambda::Function')[logicalId(stack.ingress.handler(name).function)]?.['Properties'].Environment.Variables;
    expect(envOf('receive-webhook')[ENV.appSecretArn]).toBe(arn('app-secret'));
    expect(envOf('verify-webhook')[ENV.verifyTokenArn]).toBe(arn('verify-token'));
    const reads = statementsOf(template, stack.ingress.handler('receive-webhook')).filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
    expect(reads.flatMap(resourcesOf)).toEqual([arn('app-secret')]);
    template.hasOutput('AccessTokenArn', { Value: arn('access-token') });
  });

  it('refuses to synthesise with invalid context, naming the key', () => {
    expect(() => synth({ logRetentionDays: 'abc' })).toThrow(/logRetentionDays: must be a whole number/);
  });
});
