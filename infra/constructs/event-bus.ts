import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';

export interface EventBusConstructProps {
  /** Days the archive keeps every event for replay. @default 90 */
  readonly archiveRetentionDays?: number;
}

/**
 * Converts a pattern in EventBridge's JSON form (as `infra/topology.ts` and the local bus hold it) into
 * the CDK's `EventPattern`, which spells the top-level `detail-type` key as `detailType`.
 */
export function eventPatternFromJson(json: Readonly<Record<string, unknown>>): events.EventPattern {
  const pattern: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    pattern[key === 'detail-type' ? 'detailType' : key] = value;
  }
  return pattern as events.EventPattern;
}

export interface BusRuleProps {
  readonly eventPattern: events.EventPattern;
  readonly targets?: readonly events.IRuleTarget[];
  readonly description?: string;
}

/**
 * The Relais bus: a custom EventBridge bus (generated name) plus an archive of every event published on it,
 * so a consumer that was broken or added late can be replayed. Rules are added through `addRule`.
 */
export class EventBusConstruct extends Construct {
  readonly bus: events.EventBus;
  readonly archive: events.Archive;

  constructor(scope: Construct, id: string, props: EventBusConstructProps = {}) {
    super(scope, id);
    const archiveRetentionDays = props.archiveRetentionDays ?? 90;
    if (!Number.isInteger(archiveRetentionDays) || archiveRetentionDays < 1) {
      throw new Error(`EventBusConstruct: archiveRetentionDays must be a positive integer (got ${archiveRetentionDays})`);
    }

    this.bus = new events.EventBus(this, 'Bus', {
      description: 'Relais events: webhooks received, send requests and their outcomes',
    });
    this.archive = this.bus.archive('Archive', {
      description: 'Every event published on the Relais bus, for replay',
      // Every event on a bus carries the bus owner's account, so this pattern matches all of them.
      eventPattern: { account: [Stack.of(this).account] },
      retention: Duration.days(archiveRetentionDays),
    });
    this.archive.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }

  /** A rule on the Relais bus. */
  addRule(id: string, props: BusRuleProps): events.Rule {
    return new events.Rule(this, id, {
      eventBus: this.bus,
      eventPattern: props.eventPattern,
      ...(props.targets ? { targets: [...props.targets] } : {}),
      ...(props.description ? { description: props.description } : {}),
    });
  }
}
