import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One JSON logger per process. Messages are constants; facts travel as fields. Never log message text,
 * phone numbers or secrets at info level: attach ids (wamid, phoneNumberId, correlationId) instead.
 * Level comes from `LOG_LEVEL` (Powertools reads it), default INFO.
 */
export const logger = new Logger({ serviceName: 'relais' });
