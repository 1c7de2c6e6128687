import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The state table every contact item family module writes to: the document client and the table's name. */
export interface ContactTable {
  readonly client: DynamoDBDocumentClient;
  readonly TableName: string;
}
