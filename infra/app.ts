import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RelaisStack } from './relais-stack.js';

/**
 * The one CDK entry (`cdk.json` runs it with tsx). Configuration comes from CDK context; see
 * `RelaisConfigSchema` in ./relais-stack.ts for the keys and their defaults. cdk-nag's AWS Solutions checks
 * run on every synth; each accepted finding is acknowledged, with its reason, on the construct that causes it.
 */
const app = new App();

// Environment-agnostic: no lookups, so the template is the same on every machine and deploys to the
// account and region of the caller's credentials.
new RelaisStack(app, 'Relais');

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
