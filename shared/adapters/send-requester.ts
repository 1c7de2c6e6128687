import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DetailType, RELAIS_EVENT_SOURCE } from '../contracts/events/catalogue.js';
import { parseSendRequest, type SendRequest } from '../contracts/events/outbound/send-request.js';

/**
 * Puts a `SendRequested` event on the bus, exactly as another AWS service would: Relais components that
 * want a message sent (a consent confirmation, an auto-reply) go through the same contract and policy gate.
 */
export interface SendRequester {
  request(request: SendRequest): Promise<void>;
}

export function createSendRequester({ client, eventBusName }: { client: EventBridgeClient; eventBusName: string }): SendRequester {
  return {
    async request(request) {
      const parsed = parseSendRequest(request);
      if (!parsed.ok) throw new Error(`invalid SendRequested built by Relais: ${parsed.issues.join('; ')}`);
      const out = await client.send(
        new PutEventsCommand({
          Entries: [{ EventBusName: eventBusName, Source: RELAIS_EVENT_SOURCE, DetailType: DetailType.SendRequested, Detail: JSON.stringify(parsed.value) }],
        }),
      );
      if ((out.FailedEntryCount ?? 0) > 0) {
        throw new Error(`SendRequested not accepted by EventBridge (${out.Entries?.[0]?.ErrorCode ?? 'unknown'})`);
      }
    },
  };
}
