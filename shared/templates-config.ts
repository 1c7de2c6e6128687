import { z } from 'zod';

import type { SecretSource } from './adapters/secrets.js';
import { ENV, integerVar, parseEnv, parsePublisherEnv, requiredVar, secretSource, textVar, type Env, type PublisherResources } from './config.js';
import { DEFAULT_GRAPH_API_VERSION, DEFAULT_GRAPH_TIMEOUT_MS, GRAPH_API_VERSION_PATTERN, SEND_ENV } from './sending-config.js';

/** What the Templates API's write routes (create, delete) read from the environment. */
export interface TemplatesApiConfig {
  readonly stateTableName: string;
  readonly graphBaseUrl: string;
  readonly graphVersion: string;
  readonly graphTimeoutMs: number;
  readonly accessToken: SecretSource;
}

/** `STATE_TABLE_NAME`, the Graph API target (`GRAPH_API_BASE_URL`, `_VERSION`, `_TIMEOUT_MS`) and the access token. */
export function loadTemplatesApiConfig(env: Env): TemplatesApiConfig {
  const what = 'templates-api';
  const values = parseEnv(
    z.object({
      [ENV.stateTableName]: requiredVar,
      [SEND_ENV.graphBaseUrl]: textVar('https://graph.facebook.com'),
      [SEND_ENV.graphVersion]: textVar(DEFAULT_GRAPH_API_VERSION).refine((version) => GRAPH_API_VERSION_PATTERN.test(version), {
        error: (issue) => `must look like ${DEFAULT_GRAPH_API_VERSION}, got "${String(issue.input)}"`,
      }),
      [SEND_ENV.graphTimeoutMs]: integerVar(DEFAULT_GRAPH_TIMEOUT_MS, 100, 60_000),
    }),
    env,
    what,
  ) as Record<string, unknown>;
  return Object.freeze({
    stateTableName: values[ENV.stateTableName] as string,
    graphBaseUrl: values[SEND_ENV.graphBaseUrl] as string,
    graphVersion: values[SEND_ENV.graphVersion] as string,
    graphTimeoutMs: values[SEND_ENV.graphTimeoutMs] as number,
    accessToken: secretSource(env, ENV.accessTokenArn, ENV.accessToken, what),
  });
}

/** The read routes (list, get) only read the state table. */
export function loadTemplatesReadConfig(env: Env): Pick<TemplatesApiConfig, 'stateTableName'> {
  const parsed = parseEnv(z.object({ [ENV.stateTableName]: requiredVar }), env, 'templates-api');
  return Object.freeze({ stateTableName: parsed[ENV.stateTableName] as string });
}

/** What the health consumer (track-health) reads: the publisher's resources and, to list Meta's numbers, the Graph API target and token. */
export interface HealthActivityConfig extends PublisherResources {
  readonly graph: TemplatesApiConfig;
}

export function loadHealthActivityConfig(env: Env): HealthActivityConfig {
  const { values: _, ...resources } = parsePublisherEnv(env, 'track-health', {});
  return Object.freeze({ ...resources, graph: loadTemplatesApiConfig(env) });
}
