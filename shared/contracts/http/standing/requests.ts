import { z } from 'zod';

import { BusinessAccountIdSchema } from '../contacts/requests.js';

/**
 * Path parameters of the operator read API (routes in `infra/topology.ts`, IAM-authenticated): a message, a number's
 * health, an account's messaging limit. Messages name the parameter and the rule, never echo the value.
 */

/** Relais's message ids: `m_` and a UUID, as `POST /messages` and `SendAccepted` give them. */
export const MessageIdSchema = z
  .string({ error: 'must be a string' })
  .regex(/^m_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, { error: 'must be a Relais message id (m_ and a UUID, as POST /messages answers)' });

export const PhoneNumberIdSchema = z.string({ error: 'must be a string' }).regex(/^\d{1,32}$/, { error: 'must be a phone number id (digits only)' });

export const MessagePathSchema = z.object({ messageId: MessageIdSchema });
export const NumberHealthPathSchema = z.object({ phoneNumberId: PhoneNumberIdSchema });
export const MessagingLimitPathSchema = z.object({ businessAccountId: BusinessAccountIdSchema });
