import { z } from 'zod';
import { ForbiddenError } from '../../../errors.js';

/**
 * Who called a Contacts API route, as API Gateway's IAM authorizer identified them
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html): the actor every
 * write records.
 */

/** The caller API Gateway's IAM authorizer identified (`requestContext.authorizer.iam`). */
export const IamCallerSchema = z.object({
  userArn: z.string().min(1).optional(),
  callerId: z.string().min(1).optional(),
  accountId: z.string().min(1).optional(),
  accessKey: z.string().min(1).optional(),
});

/** The actor recorded for an API call: the caller's ARN, else what identifies the principal; undefined without IAM context. */
export function iamActor(requestContext: unknown): string | undefined {
  const iam = (requestContext as { authorizer?: { iam?: unknown } } | undefined)?.authorizer?.iam;
  const parsed = IamCallerSchema.safeParse(iam);
  if (!parsed.success) return undefined;
  const { userArn, callerId, accountId, accessKey } = parsed.data;
  if (userArn !== undefined) return userArn;
  if (callerId !== undefined) return accountId === undefined ? `iam:${callerId}` : `iam:${accountId}:${callerId}`;
  return accessKey === undefined ? undefined : `iam-access-key:${accessKey}`;
}

/** The actor of a write: the IAM caller, or 403 when API Gateway's IAM authorizer identified nobody. */
export function requireIamActor(requestContext: unknown): string {
  const actor = iamActor(requestContext);
  if (actor === undefined) throw new ForbiddenError('no_caller_identity', 'the request carries no IAM caller identity (the route must use the IAM authorizer)');
  return actor;
}
