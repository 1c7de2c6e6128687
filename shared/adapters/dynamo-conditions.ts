import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/**
 * Outcomes of DynamoDB conditional writes, read as values instead of exceptions.
 *
 * A failed `ConditionExpression` is an expected answer in the stores (a redelivery, a lost race, a record already
 * gone), but the SDK reports it by throwing. These helpers turn exactly that answer into a value and let every
 * other error (throttling, validation, network) propagate unchanged.
 *
 * Each takes the promise of the write (`client.send(...)`), so the call site still shows the command in full.
 */

/**
 * The write's result, or `undefined` when its condition did not hold (`ConditionalCheckFailedException`).
 * Use it when the caller needs the output, e.g. `ReturnValues: 'ALL_NEW'` attributes.
 */
export async function whenConditionHolds<T extends object>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/** `true` when the conditional write was applied, `false` when its condition did not hold. */
export async function conditionHeld(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** How a `TransactWriteCommand` ended: committed, or cancelled with the items whose condition failed. */
export type TransactionOutcome =
  | { readonly committed: true }
  | {
      readonly committed: false;
      /** Positions, in `TransactItems` order, of the items whose `ConditionExpression` failed. */
      readonly failedConditions: ReadonlySet<number>;
      /** The SDK's error: rethrow it when the cancellation has a cause the caller does not handle (conflict, throttling). */
      readonly error: TransactionCanceledException;
    };

/**
 * Whether the transaction committed, and if DynamoDB cancelled it (`TransactionCanceledException`), which items'
 * conditions failed, read from `CancellationReasons`. Any other error propagates.
 */
export async function transactionOutcome(write: Promise<unknown>): Promise<TransactionOutcome> {
  try {
    await write;
    return { committed: true };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const failedConditions = new Set<number>();
    (error.CancellationReasons ?? []).forEach((reason, index) => {
      if (reason.Code === 'ConditionalCheckFailed') failedConditions.add(index);
    });
    return { committed: false, failedConditions, error };
  }
}
