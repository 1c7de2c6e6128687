import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { TableAccess, TableSpec } from '../topology.js';
import { bindTable, type AppFunction } from './app-function.js';

export interface StateTablesProps {
  /** One table per spec; the spec's `id` becomes the construct id. */
  readonly specs: readonly TableSpec[];
}

/**
 * The DynamoDB tables described in `infra/topology.ts`: string keys, on-demand billing, point-in-time
 * recovery, TTL where the spec names an attribute, deletion protection, retained on stack deletion.
 *
 * Encryption uses the AWS-managed key (`aws/dynamodb`): every use of it is logged in CloudTrail and there is
 * no key policy or key cost to manage. A customer-managed key would only pay off for cross-account access to
 * the tables or crypto-shredding, neither of which Relais does.
 */
export class StateTables extends Construct {
  private readonly byId = new Map<string, dynamodb.TableV2>();

  constructor(scope: Construct, id: string, props: StateTablesProps) {
    super(scope, id);
    for (const spec of props.specs) {
      if (this.byId.has(spec.id)) throw new Error(`StateTables: duplicate table id "${spec.id}" in the topology`);
      this.byId.set(spec.id, this.createTable(spec));
    }
  }

  /** Every table, keyed by its spec id. */
  get tables(): ReadonlyMap<string, dynamodb.TableV2> {
    return this.byId;
  }

  /** The table created for `spec`; throws if the spec was not part of this construct's props. */
  table(spec: Pick<TableSpec, 'id'>): dynamodb.TableV2 {
    const table = this.byId.get(spec.id);
    if (!table) throw new Error(`StateTables: no table "${spec.id}"; known: ${[...this.byId.keys()].join(', ') || '(none)'}`);
    return table;
  }

  /**
   * Binds the table of `spec` to `fn` (grant plus `spec.envVar`, see `bindTable`). Reading a table with
   * indexes needs the `<table>/index/*` ARN, which cdk-nag reports as a wildcard; it is acknowledged here.
   */
  bind(fn: AppFunction, spec: TableSpec, access: TableAccess = 'readWrite'): void {
    const table = this.table(spec);
    bindTable(fn, table, spec.envVar, access);
    if (spec.globalIndexes.length > 0) {
      const tableLogicalId = Stack.of(table).getLogicalId(table.node.defaultChild as dynamodb.CfnGlobalTable);
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
        reason: 'Queries on the global secondary indexes of this one table need its index ARNs.',
      });
    }
  }

  private createTable(spec: TableSpec): dynamodb.TableV2 {
    const string = dynamodb.AttributeType.STRING;
    return new dynamodb.TableV2(this, spec.id, {
      partitionKey: { name: spec.partitionKey, type: string },
      sortKey: { name: spec.sortKey, type: string },
      globalSecondaryIndexes: spec.globalIndexes.map((index) => ({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: string },
        sortKey: { name: index.sortKey, type: string },
        projectionType: dynamodb.ProjectionType.ALL,
      })),
      ...(spec.ttlAttribute ? { timeToLiveAttribute: spec.ttlAttribute } : {}),
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
