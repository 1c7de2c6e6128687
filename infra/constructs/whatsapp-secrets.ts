import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface WhatsAppSecretsProps {
  /** Complete ARN of an existing app-secret secret to use instead of creating one. @default - a new secret */
  readonly appSecretArn?: string;
  /** Complete ARN of an existing verify-token secret to use instead of creating one. @default - a new secret */
  readonly verifyTokenArn?: string;
  /** Complete ARN of an existing access-token secret to use instead of creating one. @default - a new secret */
  readonly accessTokenArn?: string;
}

/**
 * The three WhatsApp credentials in Secrets Manager. Each is either imported by ARN or created with a
 * random placeholder that the platform team replaces with `aws secretsmanager put-secret-value`. Until then
 * every signature check fails closed (the placeholder is not the app secret), so nothing is accepted.
 *
 * - app secret: Meta signs webhook bodies with it (`X-Hub-Signature-256`); read by receive-webhook.
 * - verify token: echoed in Meta's subscription handshake (`GET /webhook`); read by verify-webhook.
 * - access token: the system-user token for the Graph API; read by the sender.
 */
export class WhatsAppSecrets extends Construct {
  readonly appSecret: secretsmanager.ISecret;
  readonly verifyToken: secretsmanager.ISecret;
  readonly accessToken: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: WhatsAppSecretsProps = {}) {
    super(scope, id);
    this.appSecret = this.secret('AppSecret', props.appSecretArn, {
      description: 'Meta app secret: signs WhatsApp webhook bodies (X-Hub-Signature-256)',
      noRotation: 'Meta issues the app secret; it is reset only in the Meta App Dashboard, so no rotation Lambda can change it.',
    });
    this.verifyToken = this.secret('VerifyToken', props.verifyTokenArn, {
      description: "Token echoed in Meta's webhook subscription handshake (hub.verify_token)",
      noRotation: 'The verify token must equal the value typed into the Meta App Dashboard, which no rotation Lambda can update.',
    });
    this.accessToken = this.secret('AccessToken', props.accessTokenArn, {
      description: 'WhatsApp Cloud API system-user access token (Graph API)',
      noRotation: 'Meta issues system-user tokens in Business Manager; a new one cannot be minted by a rotation Lambda.',
    });
  }

  private secret(id: string, existingArn: string | undefined, text: { description: string; noRotation: string }): secretsmanager.ISecret {
    if (existingArn !== undefined) return secretsmanager.Secret.fromSecretCompleteArn(this, id, existingArn);
    const secret = new secretsmanager.Secret(this, id, {
      description: `${text.description}. Created with a placeholder: set the real value with put-secret-value.`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: text.noRotation,
    });
    return secret;
  }
}
