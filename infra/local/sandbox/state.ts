import { AccountState } from './account.js';
import { CustomerDirectory } from './customers.js';
import { FaultInjector } from './faults.js';
import { RateLimiter } from './rate-limits.js';
import { StatusLifecycle } from './status-lifecycle.js';
import { TemplateRegistry } from './templates.js';
import type { PhoneNumberDef, RequestLogEntry, SandboxOptions, StatusDelaysMs, WebhookRetryPolicy, WindowEnforcement } from './types.js';
import { WebhookDispatcher } from './webhook-delivery.js';
import { WindowTracker } from './windows.js';
import { DEFAULT_GRAPH_API_VERSION } from '../../../shared/sending-config.js';
import { DEFAULT_RATE_PER_SECOND } from '../../../shared/domain/sending/rate-slots.js';

/** Graph API versions the sandbox answers on (https://developers.facebook.com/docs/graph-api/changelog): v21.0 to v26.0, plus the configured one. */
const RELEASED_VERSIONS = ['v21.0', 'v22.0', 'v23.0', 'v24.0', 'v25.0', 'v26.0'];
export const GRAPH_VERSION_PATTERN = /^v\d+\.\d+$/;

const DEFAULTS = {
  host: '127.0.0.1',
  graphVersion: DEFAULT_GRAPH_API_VERSION,
  // The WABA and phone number ids of Meta's own webhook examples.
  businessAccountId: '102290129340398',
  phoneNumbers: [{ id: '106540352242922', displayPhoneNumber: '15550783881' }],
  throughputPerSecond: DEFAULT_RATE_PER_SECOND,
  pairRate: { perSeconds: 6, burst: 45 },
  statusDelaysMs: { sent: 20, delivered: 40, read: 60 },
  windowEnforcement: 'async',
  webhookRetry: { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 5000 },
  webhookTimeoutMs: 10_000,
  faultHoldMs: 30_000,
} as const;

export interface ResolvedConfig {
  readonly host: string;
  readonly port: number;
  readonly webhookUrl: string;
  readonly accessToken: string;
  readonly graphVersion: string;
  readonly acceptedVersions: ReadonlySet<string>;
  readonly businessAccountId: string;
  readonly phoneNumbers: readonly PhoneNumberDef[];
  readonly windowEnforcement: WindowEnforcement;
}

/** Everything the sandbox keeps, in memory, shared by the Graph route, the control routes and the handle. */
export class SandboxState {
  readonly config: ResolvedConfig;
  readonly clock: () => number;
  readonly templates: TemplateRegistry;
  readonly customers: CustomerDirectory;
  readonly windows = new WindowTracker();
  readonly account = new AccountState();
  readonly limiter: RateLimiter;
  readonly faults: FaultInjector;
  readonly dispatcher: WebhookDispatcher;
  readonly lifecycle: StatusLifecycle;
  /** Wamids of customer messages, per business number: what mark-as-read may refer to. */
  readonly inboundWamids = new Map<string, string>();
  private readonly requestLog: RequestLogEntry[] = [];
  private requestSeq = 0;

  constructor(options: SandboxOptions) {
    const config = resolveConfig(options);
    this.config = config;
    this.clock = options.clock ?? Date.now;
    this.templates = new TemplateRegistry(this.clock, options.templates ?? []);
    this.customers = new CustomerDirectory(config.businessAccountId, new Set(options.undeliverable ?? []));
    this.limiter = new RateLimiter({
      throughputPerSecond: positive(options.throughputPerSecond ?? DEFAULTS.throughputPerSecond, 'throughputPerSecond'),
      pairRate: {
        perSeconds: positive(options.pairRate?.perSeconds ?? DEFAULTS.pairRate.perSeconds, 'pairRate.perSeconds'),
        burst: positive(options.pairRate?.burst ?? DEFAULTS.pairRate.burst, 'pairRate.burst'),
      },
    });
    this.faults = new FaultInjector(this.clock, options.faultHoldMs ?? DEFAULTS.faultHoldMs);
    const retry: WebhookRetryPolicy = { ...DEFAULTS.webhookRetry, ...options.webhookRetry };
    if (!Number.isInteger(retry.maxAttempts) || retry.maxAttempts < 1) throw new Error('webhookRetry.maxAttempts must be an integer ≥ 1');
    this.dispatcher = new WebhookDispatcher({
      url: config.webhookUrl,
      appSecret: options.appSecret,
      retry,
      timeoutMs: options.webhookTimeoutMs ?? DEFAULTS.webhookTimeoutMs,
    });
    const delays: StatusDelaysMs = { ...DEFAULTS.statusDelaysMs, ...options.statusDelaysMs };
    if (delays.delivered < delays.sent || (delays.read !== false && delays.read < delays.delivered)) {
      throw new Error('statusDelaysMs must satisfy sent ≤ delivered ≤ read');
    }
    this.lifecycle = new StatusLifecycle({ businessAccountId: config.businessAccountId, dispatcher: this.dispatcher, delays, clock: this.clock });
  }

  number(id: string): PhoneNumberDef | undefined {
    return this.config.phoneNumbers.find((n) => n.id === id);
  }

  defaultNumber(): PhoneNumberDef {
    return this.config.phoneNumbers[0]!;
  }

  logRequest(entry: Omit<RequestLogEntry, 'seq'>): void {
    this.requestLog.push({ seq: ++this.requestSeq, ...entry });
  }

  requests(): RequestLogEntry[] {
    return [...this.requestLog];
  }

  clearRequests(): number {
    const cleared = this.requestLog.length;
    this.requestLog.length = 0;
    return cleared;
  }

  close(): void {
    this.lifecycle.close();
    this.dispatcher.close();
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${value}`);
  return value;
}

function resolveConfig(options: SandboxOptions): ResolvedConfig {
  if (options.webhookUrl === '') throw new Error('webhookUrl is required');
  try {
    new URL(options.webhookUrl);
  } catch {
    throw new Error(`webhookUrl is not a valid URL: ${options.webhookUrl}`);
  }
  if (options.appSecret === '') throw new Error('appSecret is required');
  if (options.accessToken === '') throw new Error('accessToken is required');
  const graphVersion = options.graphVersion ?? DEFAULTS.graphVersion;
  if (!GRAPH_VERSION_PATTERN.test(graphVersion)) throw new Error(`graphVersion must look like v25.0, got ${graphVersion}`);
  const phoneNumbers = options.phoneNumbers ?? DEFAULTS.phoneNumbers;
  if (phoneNumbers.length === 0) throw new Error('phoneNumbers must list at least one number');
  for (const number of phoneNumbers) {
    if (!/^\d+$/.test(number.id)) throw new Error(`phone number id must be numeric, got ${number.id}`);
    if (!/^\d{7,15}$/.test(number.displayPhoneNumber)) throw new Error(`displayPhoneNumber must be 7–15 digits, got ${number.displayPhoneNumber}`);
  }
  return {
    host: options.host ?? DEFAULTS.host,
    port: options.port ?? 0,
    webhookUrl: options.webhookUrl,
    accessToken: options.accessToken,
    graphVersion,
    acceptedVersions: new Set([...RELEASED_VERSIONS, graphVersion]),
    businessAccountId: options.businessAccountId ?? DEFAULTS.businessAccountId,
    phoneNumbers,
    windowEnforcement: options.windowEnforcement ?? DEFAULTS.windowEnforcement,
  };
}
