import { CfnOutput, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteSpec } from '../topology.js';
import { AppFunction, type AppFunctionProps } from './app-function.js';

/** Settings every route handler shares (log level and retention, common environment). */
export type SharedFunctionProps = Pick<AppFunctionProps, 'environment' | 'logLevel' | 'logRetention' | 'functionsDir'>;

/** Per-handler settings layered over the shared ones; `environment` is merged, not replaced. */
export type HandlerFunctionProps = Pick<AppFunctionProps, 'description' | 'memorySize' | 'timeout' | 'environment'>;

export interface WebhookIngressProps {
  /** The routes to expose; each distinct `handler` becomes one function. */
  readonly routes: readonly RouteSpec[];
  readonly functionDefaults?: SharedFunctionProps;
  /** Keyed by handler name. */
  readonly handlerProps?: Readonly<Record<string, HandlerFunctionProps>>;
  /** Default stage throttling. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: logs.RetentionDays;
}

/**
 * The HTTP API (API Gateway v2) in front of the handlers: routes from the topology, one function per
 * handler module, an IAM authorizer on every route declared `iam` (only Meta's webhook routes are `none`),
 * JSON access logs, default-stage throttling, and the URLs as stack outputs.
 */
export class WebhookIngress extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogGroup: logs.LogGroup;
  readonly routes: readonly apigw.HttpRoute[];
  private readonly byHandler = new Map<string, AppFunction>();

  constructor(scope: Construct, id: string, props: WebhookIngressProps) {
    super(scope, id);
    for (const key of Object.keys(props.handlerProps ?? {})) {
      if (!props.routes.some((route) => route.handler === key)) {
        throw new Error(`WebhookIngress: handlerProps names "${key}", which no route uses`);
      }
    }

    this.api = new apigw.HttpApi(this, 'Api', {
      // A label in the console, not an identifier: API names need not be unique.
      apiName: `${Stack.of(this).stackName}-http-api`,
      description: "Relais HTTP API: Meta's webhooks (signature-checked) and the IAM-authorised contacts and messages API",
      createDefaultStage: false,
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        // No query string or headers: GET /webhook carries hub.verify_token in its query string.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            error: '$context.error.message',
          }),
        ),
      },
    });

    const integrations = new Map<string, HttpLambdaIntegration>();
    const routes: apigw.HttpRoute[] = [];
    for (const spec of props.routes) {
      let integration = integrations.get(spec.handler);
      if (!integration) {
        const fn = new AppFunction(this, pascalCase(spec.handler), {
          ...props.functionDefaults,
          ...props.handlerProps?.[spec.handler],
          environment: { ...props.functionDefaults?.environment, ...props.handlerProps?.[spec.handler]?.environment },
          handlerName: spec.handler,
        });
        this.byHandler.set(spec.handler, fn);
        integration = new HttpLambdaIntegration(`${pascalCase(spec.handler)}Integration`, fn.function);
        integrations.set(spec.handler, integration);
      }
      const [route] = this.api.addRoutes({
        path: spec.path,
        methods: [apigw.HttpMethod[spec.method]],
        integration,
        ...(spec.auth === 'iam' ? { authorizer: new HttpIamAuthorizer() } : {}),
      });
      if (!route) throw new Error(`WebhookIngress: API Gateway created no route for ${spec.method} ${spec.path}`);
      if (spec.auth === 'none') {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: 'Meta calls the webhook without AWS credentials; the handler authenticates it (X-Hub-Signature-256 HMAC on POST, verify token on GET).',
        });
      }
      routes.push(route);
    }
    this.routes = routes;

    new CfnOutput(this, 'ApiUrl', { description: 'Base URL of the Relais HTTP API', value: this.url });
  }

  /** Base URL of the default stage, ending with `/`. */
  get url(): string {
    return this.stage.url;
  }

  /** Every route handler, keyed by handler module name. */
  get functions(): ReadonlyMap<string, AppFunction> {
    return this.byHandler;
  }

  /** The function serving `handlerName`; throws if no route uses it. */
  handler(handlerName: string): AppFunction {
    const fn = this.byHandler.get(handlerName);
    if (!fn) throw new Error(`WebhookIngress: no route uses handler "${handlerName}"; known: ${[...this.byHandler.keys()].join(', ') || '(none)'}`);
    return fn;
  }
}

function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
