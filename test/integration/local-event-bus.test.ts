/**
 * The local EventBridge bus, driven through the real `@aws-sdk/client-eventbridge` client over HTTP.
 * Each test starts its own bus in-process on a free port, with its logs in a fresh temporary directory;
 * it needs none of the emulators of the global setup.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  DescribeEventBusCommand,
  EventBridgeClient,
  ListRulesCommand,
  PutEventsCommand,
  ResourceNotFoundException,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { serialiseBusEvent, startLocalEventBus, type BusEvent, type DeadLetter, type LocalEventBus, type LocalEventBusOptions, type LocalRule } from '../../infra/local/event-bus/server.js';

const BUS_NAME = 'relais-local';
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const ONE_MIB = 1024 * 1024;

interface Harness {
  readonly bus: LocalEventBus;
  readonly client: EventBridgeClient;
  readonly eventsLogPath: string;
}

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function startHarness(overrides: Partial<LocalEventBusOptions> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'relais-event-bus-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const eventsLogPath = join(dir, 'nested', 'events.ndjson');
  const bus = await startLocalEventBus({ busName: BUS_NAME, eventsLogPath, rules: [], region: REGION, accountId: ACCOUNT, ...overrides });
  cleanups.push(() => bus.close());
  const client = new EventBridgeClient({ endpoint: bus.url, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  cleanups.push(async () => client.destroy());
  return { bus, client, eventsLogPath };
}

/** A rule target that records what it receives. */
function recordingRule(name: string, pattern: LocalRule['pattern']): LocalRule & { readonly received: BusEvent[] } {
  const received: BusEvent[] = [];
  return {
    name,
    pattern,
    received,
    deliver: async (event) => {
      received.push(event);
    },
  };
}

function entry(overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry {
  return { EventBusName: BUS_NAME, Source: 'relais.test', DetailType: 'MessageReceived', Detail: JSON.stringify({ wamid: 'wamid.1' }), ...overrides };
}

async function readJsonLines(path: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}

function eventIds(entries: readonly PutEventsResultEntry[] | undefined): string[] {
  return (entries ?? []).flatMap((result) => (result.EventId === undefined ? [] : [result.EventId]));
}

/** An entry whose AWS-computed size (Source + DetailType + Detail bytes, no Time) is exactly `bytes`. */
function entryOfSize(bytes: number): PutEventsRequestEntry {
  const source = 'relais.test';
  const detailType = 'Padding';
  const frame = JSON.stringify({ p: '' });
  const padding = bytes - Buffer.byteLength(source) - Buffer.byteLength(detailType) - Buffer.byteLength(frame);
  return entry({ Source: source, DetailType: detailType, Detail: JSON.stringify({ p: 'x'.repeat(padding) }) });
}

async function captureError(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describe('local EventBridge bus: accepted events', () => {
  it('answers each entry with an EventId and appends each event as one JSON line with the EventBridge envelope', async () => {
    const { client, eventsLogPath } = await startHarness();

    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          entry({ Detail: JSON.stringify({ n: 1 }), Resources: ['arn:aws:whatsapp:eu-west-1:123456789012:phone/1'] }),
          entry({ DetailType: 'MessageDelivered', Detail: JSON.stringify({ n: 2, nested: { ok: true } }) }),
          entry({ Detail: JSON.stringify({ n: 3, text: 'line\nbreak' }) }),
        ],
      }),
    );

    expect(result.FailedEntryCount).toBe(0);
    const ids = eventIds(result.Entries);
    expect(ids).toHaveLength(3);
    const lines = (await readJsonLines(eventsLogPath)) as BusEvent[];
    expect(lines.map((line) => line.id)).toEqual(ids);
    expect(lines[0]).toEqual({
      version: '0',
      id: ids[0],
      'detail-type': 'MessageReceived',
      source: 'relais.test',
      account: ACCOUNT,
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      region: REGION,
      resources: ['arn:aws:whatsapp:eu-west-1:123456789012:phone/1'],
      detail: { n: 1 },
    });
    expect(lines[1]).toMatchObject({ 'detail-type': 'MessageDelivered', resources: [], detail: { n: 2, nested: { ok: true } } });
    expect(lines[2]?.detail).toEqual({ n: 3, text: 'line\nbreak' });
  });

  it('stamps the event with the entry Time, to the second in UTC', async () => {
    const { client, eventsLogPath } = await startHarness();

    await client.send(new PutEventsCommand({ Entries: [entry({ Time: new Date('2026-03-01T10:15:30.789Z') })] }));

    const [line] = (await readJsonLines(eventsLogPath)) as BusEvent[];
    expect(line?.time).toBe('2026-03-01T10:15:30Z');
  });

  it('accepts the bus ARN as EventBusName', async () => {
    const { bus, client, eventsLogPath } = await startHarness();
    expect(bus.arn).toBe(`arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS_NAME}`);

    const result = await client.send(new PutEventsCommand({ Entries: [entry({ EventBusName: bus.arn })] }));

    expect(result.FailedEntryCount).toBe(0);
    expect(await readJsonLines(eventsLogPath)).toHaveLength(1);
  });

  it('delivers each accepted event only to the rules whose pattern matches it', async () => {
    const received = recordingRule('received', { source: ['relais.test'], 'detail-type': ['MessageReceived'] });
    const expensive = recordingRule('expensive', { detail: { amountMicros: [{ numeric: ['>', 1_000_000] }] } });
    const never = recordingRule('never', { source: ['someone.else'] });
    const { bus, client } = await startHarness({ rules: [received, expensive, never] });

    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          entry({ Detail: JSON.stringify({ amountMicros: 5 }) }),
          entry({ DetailType: 'CostRecorded', Detail: JSON.stringify({ amountMicros: 2_500_000 }) }),
          entry({ DetailType: 'CostRecorded', Detail: JSON.stringify({ amountMicros: '2500000' }) }),
        ],
      }),
    );
    await bus.whenIdle();

    const [first, second] = eventIds(result.Entries);
    expect(received.received.map((event) => event.id)).toEqual([first]);
    expect(expensive.received.map((event) => event.id)).toEqual([second]);
    expect(expensive.received[0]?.detail).toEqual({ amountMicros: 2_500_000 });
    expect(never.received).toEqual([]);
  });

  it('answers PutEvents without waiting for the targets', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const delivered: string[] = [];
    const slow: LocalRule = {
      name: 'slow',
      pattern: { source: ['relais.test'] },
      deliver: async (event) => {
        await gate;
        delivered.push(event.id);
      },
    };
    const { bus, client } = await startHarness({ rules: [slow] });

    const result = await client.send(new PutEventsCommand({ Entries: [entry()] }));

    expect(result.FailedEntryCount).toBe(0);
    expect(delivered).toEqual([]);
    release();
    await bus.whenIdle();
    expect(delivered).toEqual(eventIds(result.Entries));
  });

  it('logs and delivers a detail nested 10,000 levels deep as it came, and dead-letters one without crashing', async () => {
    const deep = `{"note":"très profond 🕳️","line":"a\\nb","metadata":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const delivered: string[] = [];
    const rule: LocalRule = {
      name: 'deep-target',
      pattern: { source: ['relais.test'] },
      deliver: async (event) => {
        delivered.push(serialiseBusEvent(event));
        throw new Error('target refuses it');
      },
    };
    const { bus, client, eventsLogPath } = await startHarness({ rules: [rule], deliveryRetry: { retryAttempts: 0, baseDelayMs: 1 } });

    const result = await client.send(new PutEventsCommand({ Entries: [entry({ Detail: deep.replace(',"line"', ',\n  "line"') })] }));
    await bus.whenIdle();

    expect(result.FailedEntryCount).toBe(0);
    const [logged] = (await readFile(eventsLogPath, 'utf8')).split('\n');
    const event = JSON.parse(logged!) as { id: string; detail: { note: string; line: string; metadata: unknown[] } };
    expect(event).toMatchObject({ id: eventIds(result.Entries)[0], 'detail-type': 'MessageReceived', detail: { note: 'très profond 🕳️', line: 'a\nb' } });
    let depth = 0;
    for (let level: unknown = event.detail.metadata; Array.isArray(level); level = level[0]) depth++;
    expect(depth).toBe(10_000);
    expect(delivered.map((line) => (JSON.parse(line) as { id: string }).id)).toEqual([event.id]);
    const deadLetters = (await readJsonLines(bus.deadLettersPath)) as Array<{ rule: string; event: { id: string } }>;
    expect(deadLetters.map((d) => [d.rule, d.event.id])).toEqual([['deep-target', event.id]]);
  });

  it("defers deliveries while a producer's request is still in flight, up to maxDeliveryDeferralMs, then delivers", async () => {
    const rule = recordingRule('all', { source: ['relais.test'] });
    const { bus, client } = await startHarness({ rules: [rule], maxDeliveryDeferralMs: 60_000 });
    // A producer's request whose body is still arriving: the bus has it in flight.
    const slow = request(bus.url, { method: 'POST', headers: { 'x-amz-target': 'AWSEvents.PutEvents', 'content-type': 'application/x-amz-json-1.1' } });
    slow.on('error', () => undefined);
    slow.write('{"Entries":');
    await new Promise((resolve) => setTimeout(resolve, 50));

    await client.send(new PutEventsCommand({ Entries: [entry({ Detail: JSON.stringify({ texte: 'Merci 🎉' }) })] }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(rule.received).toEqual([]);

    const answered = new Promise((resolve) => slow.on('response', (res) => res.resume().on('end', resolve)));
    slow.end('[]}');
    await answered;
    await bus.whenIdle();
    expect(rule.received.map((e) => e.detail)).toEqual([{ texte: 'Merci 🎉' }]);
  });

  it('delivers after maxDeliveryDeferralMs even if producers never go quiet', async () => {
    const rule = recordingRule('all', { source: ['relais.test'] });
    const { bus, client } = await startHarness({ rules: [rule], maxDeliveryDeferralMs: 200 });
    const slow = request(bus.url, { method: 'POST', headers: { 'x-amz-target': 'AWSEvents.PutEvents' } });
    slow.on('error', () => undefined);
    slow.write('{');
    await client.send(new PutEventsCommand({ Entries: [entry()] }));
    await vi.waitFor(() => expect(rule.received).toHaveLength(1), { timeout: 5_000 });
    slow.destroy();
  });

  it('writes exactly one well-formed line per event under 50 concurrent calls of 10 entries', async () => {
    const { client, eventsLogPath } = await startHarness();

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, call) =>
        client.send(new PutEventsCommand({ Entries: Array.from({ length: 10 }, (__, index) => entry({ Detail: JSON.stringify({ call, index, pad: 'y'.repeat(2_000) }) })) })),
      ),
    );

    expect(results.every((result) => result.FailedEntryCount === 0)).toBe(true);
    const returnedIds = results.flatMap((result) => eventIds(result.Entries));
    const lines = (await readJsonLines(eventsLogPath)) as BusEvent[];
    expect(lines).toHaveLength(500);
    expect(new Set(lines.map((line) => line.id))).toEqual(new Set(returnedIds));
    const pairs = new Set(lines.map((line) => `${String(line.detail['call'])}/${String(line.detail['index'])}`));
    expect(pairs.size).toBe(500);
  });
});

describe('local EventBridge bus: AWS validation', () => {
  it('refuses more than 10 entries with a ValidationException and logs none of them', async () => {
    const { client, eventsLogPath } = await startHarness();

    const error = await captureError(client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry()) })));

    expect(error.name).toBe('ValidationException');
    expect(error.message).toMatch(/Member must have length less than or equal to 10/);
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(await readJsonLines(eventsLogPath)).toEqual([]);
  });

  it('accepts exactly 10 entries', async () => {
    const { client } = await startHarness();

    const result = await client.send(new PutEventsCommand({ Entries: Array.from({ length: 10 }, () => entry()) }));

    expect(eventIds(result.Entries)).toHaveLength(10);
  });

  it('refuses an empty Entries list with a ValidationException', async () => {
    const { client } = await startHarness();

    const error = await captureError(client.send(new PutEventsCommand({ Entries: [] })));

    expect(error.name).toBe('ValidationException');
    expect(error.message).toMatch(/greater than or equal to 1/);
  });

  it('accepts entries totalling exactly the 1 MiB limit and refuses one byte more', async () => {
    const { client, eventsLogPath } = await startHarness();

    const atLimit = await client.send(new PutEventsCommand({ Entries: [entryOfSize(ONE_MIB)] }));
    const overLimit = await captureError(client.send(new PutEventsCommand({ Entries: [entryOfSize(ONE_MIB + 1)] })));

    expect(atLimit.FailedEntryCount).toBe(0);
    expect(overLimit.name).toBe('ValidationException');
    expect(overLimit.message).toBe('Total size of the entries in the request is over the limit.');
    expect(await readJsonLines(eventsLogPath)).toHaveLength(1);
  });

  it('applies the limit to the request: two entries under it that together exceed it are both refused', async () => {
    const { client, eventsLogPath } = await startHarness();

    const error = await captureError(client.send(new PutEventsCommand({ Entries: [entryOfSize(600 * 1024), entryOfSize(600 * 1024)] })));

    expect(error.name).toBe('ValidationException');
    expect(await readJsonLines(eventsLogPath)).toEqual([]);
  });

  it('counts Time as 14 bytes and Resources by their UTF-8 bytes towards the limit', async () => {
    const { client } = await startHarness({ maxEntriesBytesPerRequest: 1_000 });
    const base = entryOfSize(980);

    const withResource = await captureError(client.send(new PutEventsCommand({ Entries: [{ ...base, Resources: ['é'.repeat(11)] }] })));
    const withTime = await captureError(client.send(new PutEventsCommand({ Entries: [{ ...entryOfSize(990), Time: new Date() }] })));
    const underLimit = await client.send(new PutEventsCommand({ Entries: [{ ...base, Resources: ['é'.repeat(10)] }] }));

    expect(withResource.name).toBe('ValidationException');
    expect(withTime.name).toBe('ValidationException');
    expect(underLimit.FailedEntryCount).toBe(0);
  });

  it('can reproduce the former 256 KB limit of Regions that have not moved to 1 MB', async () => {
    const { client } = await startHarness({ maxEntriesBytesPerRequest: 262_144 });

    const error = await captureError(client.send(new PutEventsCommand({ Entries: [entryOfSize(262_145)] })));

    expect(error.name).toBe('ValidationException');
  });

  it('fails an entry for another bus with InvalidArgument, without logging or delivering it, while its siblings succeed', async () => {
    const rule = recordingRule('all', { source: ['relais.test'] });
    const { bus, client, eventsLogPath } = await startHarness({ rules: [rule] });

    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          entry({ EventBusName: 'some-other-bus' }),
          entry(),
          entry({ EventBusName: `arn:aws:events:${REGION}:999999999999:event-bus/${BUS_NAME}` }),
          entry({ EventBusName: undefined }),
        ],
      }),
    );
    await bus.whenIdle();

    expect(result.FailedEntryCount).toBe(3);
    expect(result.Entries?.[0]).toEqual({ ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter EventBusName is not valid. Reason: Event bus some-other-bus does not exist on the local event bus; the bus that exists is ${BUS_NAME} (${bus.arn}).` });
    expect(result.Entries?.[2]?.ErrorCode).toBe('InvalidArgument');
    expect(result.Entries?.[3]).toEqual({ ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringMatching(/Event bus default does not exist/) });
    const accepted = eventIds(result.Entries);
    expect(accepted).toHaveLength(1);
    expect(((await readJsonLines(eventsLogPath)) as BusEvent[]).map((line) => line.id)).toEqual(accepted);
    expect(rule.received.map((event) => event.id)).toEqual(accepted);
  });

  it('fails an entry whose Detail is not a JSON object with MalformedDetail', async () => {
    const { client, eventsLogPath } = await startHarness();

    const result = await client.send(
      new PutEventsCommand({
        Entries: [entry({ Detail: '[1,2]' }), entry({ Detail: '"text"' }), entry({ Detail: '42' }), entry({ Detail: 'null' }), entry({ Detail: '{not json' }), entry()],
      }),
    );

    expect(result.FailedEntryCount).toBe(5);
    expect(result.Entries?.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => ({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' })));
    expect(result.Entries?.[5]?.EventId).toEqual(expect.any(String));
    expect(await readJsonLines(eventsLogPath)).toHaveLength(1);
  });

  it('fails entries missing Source, DetailType or Detail with InvalidArgument naming the parameter', async () => {
    const { client } = await startHarness();

    const result = await client.send(new PutEventsCommand({ Entries: [entry({ Source: undefined }), entry({ DetailType: '' }), entry({ Detail: undefined })] }));

    expect(result.FailedEntryCount).toBe(3);
    expect(result.Entries).toEqual([
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.' },
    ]);
  });

  it('refuses custom events that claim an aws.* source', async () => {
    const { client } = await startHarness();

    const result = await client.send(new PutEventsCommand({ Entries: [entry({ Source: 'aws.ec2' })] }));

    expect(result.Entries?.[0]?.ErrorCode).toBe('NotAuthorizedForSourceException');
  });

  it('answers DescribeEventBus by name or ARN, and ResourceNotFoundException for another bus', async () => {
    const { bus, client } = await startHarness();

    const byName = await client.send(new DescribeEventBusCommand({ Name: BUS_NAME }));
    const byArn = await client.send(new DescribeEventBusCommand({ Name: bus.arn }));
    const missing = await captureError(client.send(new DescribeEventBusCommand({ Name: 'nope' })));

    expect(byName).toMatchObject({ Name: BUS_NAME, Arn: bus.arn });
    expect(byName.CreationTime).toBeInstanceOf(Date);
    expect(byArn.Name).toBe(BUS_NAME);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(missing.message).toBe('Event bus nope does not exist.');
  });

  it('answers operations it does not implement with UnknownOperationException', async () => {
    const { client } = await startHarness();

    const error = await captureError(client.send(new ListRulesCommand({ EventBusName: BUS_NAME })));

    expect(error.name).toBe('UnknownOperationException');
  });
});

describe('local EventBridge bus: fault injection', () => {
  it('fails the next entries with the injected code, leaving them unlogged and undelivered', async () => {
    const rule = recordingRule('all', { source: ['relais.test'] });
    const { bus, client, eventsLogPath } = await startHarness({ rules: [rule] });
    bus.failNextEntries(2, 'ThrottlingException');

    const first = await client.send(new PutEventsCommand({ Entries: Array.from({ length: 5 }, (_, index) => entry({ Detail: JSON.stringify({ index }) })) }));
    const second = await client.send(new PutEventsCommand({ Entries: [entry()] }));
    await bus.whenIdle();

    expect(first.FailedEntryCount).toBe(2);
    expect(first.Entries?.slice(0, 2).map((result) => result.ErrorCode)).toEqual(['ThrottlingException', 'ThrottlingException']);
    expect(first.Entries?.slice(2).every((result) => result.EventId !== undefined)).toBe(true);
    expect(second.FailedEntryCount).toBe(0);
    const logged = ((await readJsonLines(eventsLogPath)) as BusEvent[]).map((line) => line.id);
    expect(logged).toEqual([...eventIds(first.Entries), ...eventIds(second.Entries)]);
    expect(rule.received.map((event) => event.id)).toEqual(logged);
  });

  it('defaults the injected code to InternalFailure and spends injections only on entries that would have been accepted', async () => {
    const { bus, client } = await startHarness();
    bus.failNextEntries(1);

    const result = await client.send(new PutEventsCommand({ Entries: [entry({ Detail: '[]' }), entry(), entry()] }));

    expect(result.Entries?.map((item) => item.ErrorCode)).toEqual(['MalformedDetail', 'InternalFailure', undefined]);
  });

  it('clears a pending injection with failNextEntries(0) and refuses a negative count', async () => {
    const { bus, client } = await startHarness();
    bus.failNextEntries(3);
    bus.failNextEntries(0);

    const result = await client.send(new PutEventsCommand({ Entries: [entry()] }));

    expect(result.FailedEntryCount).toBe(0);
    expect(() => bus.failNextEntries(-1)).toThrow(/failNextEntries must be an integer from 0/);
  });

  it('injects faults through POST /_local/faults', async () => {
    const { bus, client } = await startHarness();

    const response = await fetch(`${bus.url}/_local/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ failNextEntries: 1, errorCode: 'ThrottlingException' }) });
    const result = await client.send(new PutEventsCommand({ Entries: [entry(), entry()] }));

    expect(response.status).toBe(204);
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[0]?.ErrorCode).toBe('ThrottlingException');
  });

  it.each([
    { body: '{not json', problem: /not valid JSON/ },
    { body: '[1]', problem: /must be a JSON object/ },
    { body: '{}', problem: /failNextEntries or failNextDeliveries is required/ },
    { body: '{"failNextEntries": -1}', problem: /failNextEntries must be an integer from 0/ },
    { body: '{"failNextEntries": 1.5}', problem: /failNextEntries must be an integer from 0/ },
    { body: '{"failNextEntries": "2"}', problem: /failNextEntries must be an integer from 0 to \d+, got "2"/ },
    { body: '{"failNextEntries": 1, "errorCode": "not a code!"}', problem: /errorCode must be an AWS error code/ },
    { body: '{"failNextEntries": 1, "code": "InternalFailure"}', problem: /Unknown field\(s\) "code"/ },
    { body: '{"failNextDeliveries": -3}', problem: /failNextDeliveries must be an integer from 0/ },
    { body: '{"failNextDeliveries": 1, "errorCode": "InternalFailure"}', problem: /errorCode applies to failNextEntries/ },
  ])('answers 400 naming the problem for the fault body $body', async ({ body, problem }) => {
    const { bus, client } = await startHarness();

    const response = await fetch(`${bus.url}/_local/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const payload = (await response.json()) as { message: string };
    const after = await client.send(new PutEventsCommand({ Entries: [entry()] }));

    expect(response.status).toBe(400);
    expect(payload.message).toMatch(problem);
    expect(after.FailedEntryCount).toBe(0);
  });
});

describe('local EventBridge bus: delivery failures', () => {
  it('retries a failing target until it succeeds, without dead-lettering', async () => {
    let calls = 0;
    const delivered: string[] = [];
    const flaky: LocalRule = {
      name: 'flaky',
      pattern: { source: ['relais.test'] },
      deliver: async (event) => {
        calls += 1;
        if (calls < 3) throw new Error(`transient failure ${calls}`);
        delivered.push(event.id);
      },
    };
    const { bus, client } = await startHarness({ rules: [flaky], deliveryRetry: { retryAttempts: 3, baseDelayMs: 1 } });

    const result = await client.send(new PutEventsCommand({ Entries: [entry()] }));
    await bus.whenIdle();

    expect(calls).toBe(3);
    expect(delivered).toEqual(eventIds(result.Entries));
    expect(await readJsonLines(bus.deadLettersPath)).toEqual([]);
  });

  it('dead-letters an event whose target keeps failing, with the rule name and error message, next to the events log', async () => {
    let calls = 0;
    const broken: LocalRule = {
      name: 'broken-target',
      pattern: { 'detail-type': ['MessageReceived'] },
      deliver: async () => {
        calls += 1;
        throw new Error('queue does not exist');
      },
    };
    const healthy = recordingRule('healthy', { source: ['relais.test'] });
    const { bus, client, eventsLogPath } = await startHarness({ rules: [broken, healthy], deliveryRetry: { retryAttempts: 2, baseDelayMs: 1 } });

    const result = await client.send(new PutEventsCommand({ Entries: [entry()] }));
    await bus.whenIdle();

    expect(bus.deadLettersPath).toBe(join(eventsLogPath, '..', 'dead-letters.ndjson'));
    expect(calls).toBe(3);
    const deadLetters = await readJsonLines(bus.deadLettersPath);
    expect(deadLetters).toEqual([
      {
        rule: 'broken-target',
        error: 'queue does not exist',
        attempts: 3,
        reason: 'retries-exhausted',
        failedAt: expect.any(String),
        event: expect.objectContaining({ id: eventIds(result.Entries)[0], 'detail-type': 'MessageReceived' }),
      },
    ]);
    expect(healthy.received).toHaveLength(1);
  });

  it('tells onDeadLetter of each dead letter once it is written, with the rule, detail-type, source, reason and log path', async () => {
    const told: DeadLetter[] = [];
    const broken: LocalRule = { name: 'broken-target', pattern: { source: ['relais.test'] }, deliver: async () => Promise.reject(new Error('queue does not exist')) };
    const { bus, client } = await startHarness({ rules: [broken], deliveryRetry: { retryAttempts: 0, baseDelayMs: 1 }, onDeadLetter: (letter) => told.push(letter) });

    const result = await client.send(new PutEventsCommand({ Entries: [entry({ DetailType: 'MessageReceived — café 🎉' })] }));
    await bus.whenIdle();

    expect(told).toEqual([
      {
        rule: 'broken-target',
        eventId: eventIds(result.Entries)[0],
        detailType: 'MessageReceived — café 🎉',
        source: 'relais.test',
        reason: 'retries-exhausted',
        error: 'queue does not exist',
        attempts: 1,
        failedAt: expect.any(String),
        path: bus.deadLettersPath,
        written: true,
      },
    ]);
    expect(await readJsonLines(bus.deadLettersPath)).toHaveLength(1);
  });

  it('keeps delivering when the onDeadLetter listener throws', async () => {
    const healthy = recordingRule('healthy', { source: ['relais.test'] });
    const { bus, client } = await startHarness({
      rules: [healthy],
      onDeadLetter: () => {
        throw new Error('listener broke');
      },
    });
    bus.failNextDeliveries(1);

    await client.send(new PutEventsCommand({ Entries: [entry(), entry()] }));
    await bus.whenIdle();

    expect(healthy.received).toHaveLength(1);
    expect(await readJsonLines(bus.deadLettersPath)).toHaveLength(1);
  });

  it('dead-letters at once, without retrying, the deliveries POST /_local/faults {"failNextDeliveries": n} fails, then delivers again', async () => {
    const healthy = recordingRule('healthy', { source: ['relais.test'] });
    const { bus, client } = await startHarness({ rules: [healthy] });

    const response = await fetch(`${bus.url}/_local/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ failNextDeliveries: 2 }) });
    const result = await client.send(new PutEventsCommand({ Entries: [entry(), entry(), entry()] }));
    await bus.whenIdle();

    expect(response.status).toBe(204);
    expect(result.FailedEntryCount).toBe(0);
    expect(healthy.received).toHaveLength(1);
    const deadLetters = (await readJsonLines(bus.deadLettersPath)) as Array<{ rule: string; reason: string; attempts: number; error: string }>;
    expect(deadLetters).toEqual([
      expect.objectContaining({ rule: 'healthy', reason: 'not-retryable', attempts: 1, error: expect.stringMatching(/failNextDeliveries/) }),
      expect.objectContaining({ rule: 'healthy', reason: 'not-retryable', attempts: 1 }),
    ]);
  });

  it('retries for as long as the deployed rule targets do (185 retries, 24 h) unless told otherwise', async () => {
    const { bus } = await startHarness();

    // The CDK rule targets' RetryPolicy (test/infra/relais-stack.test.ts): MaximumRetryAttempts 185, MaximumEventAgeInSeconds 86400.
    expect(bus.retryPolicy).toMatchObject({ retryAttempts: 185, maxEventAgeMs: 86_400_000 });
  });

  it('delivers, under the default policy, to a target that fails for 3 seconds and then recovers; nothing is dead-lettered', async () => {
    const outageMs = 3_000;
    let outageEndsAt = Number.POSITIVE_INFINITY;
    let failures = 0;
    const delivered: string[] = [];
    const recovering: LocalRule = {
      name: 'recovering-target',
      pattern: { source: ['relais.test'] },
      deliver: async (event) => {
        if (Date.now() < outageEndsAt) {
          failures += 1;
          // What the SQS client throws while the queue's endpoint is down: no HTTP answer at all.
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' });
        }
        delivered.push(event.id);
      },
    };
    const { bus, client } = await startHarness({ rules: [recovering] });

    outageEndsAt = Date.now() + outageMs;
    const result = await client.send(new PutEventsCommand({ Entries: [entry()] }));
    await bus.whenIdle();

    expect(delivered).toEqual(eventIds(result.Entries));
    expect(Date.now()).toBeGreaterThanOrEqual(outageEndsAt);
    // More failures than the 4 attempts in ~1.4 s the bus used to allow before dead-lettering.
    expect(failures).toBeGreaterThanOrEqual(4);
    expect(await readJsonLines(bus.deadLettersPath)).toEqual([]);
  }, 30_000);

  it.each([
    ['a 5xx', { $fault: 'server', $metadata: { httpStatusCode: 500 } }],
    ['a 429', { $fault: 'client', $metadata: { httpStatusCode: 429 } }],
    ['a throttling error', { $fault: 'client', $metadata: { httpStatusCode: 400 }, $retryable: { throttling: true } }],
  ])('retries %s answer from the target, as EventBridge does', async (_label, shape) => {
    let calls = 0;
    const target: LocalRule = {
      name: 'busy-target',
      pattern: { source: ['relais.test'] },
      deliver: async () => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('try again'), { name: 'ServiceUnavailable', ...shape });
      },
    };
    const { bus, client } = await startHarness({ rules: [target], deliveryRetry: { retryAttempts: 2, baseDelayMs: 1 } });

    await client.send(new PutEventsCommand({ Entries: [entry()] }));
    await bus.whenIdle();

    expect(calls).toBe(2);
    expect(await readJsonLines(bus.deadLettersPath)).toEqual([]);
  });

  it('dead-letters at once a delivery the target refuses with a client error (4xx other than 429), without retrying', async () => {
    let calls = 0;
    const refusing: LocalRule = {
      name: 'refusing-target',
      pattern: { source: ['relais.test'] },
      deliver: async () => {
        calls += 1;
        // What the SQS client throws for a body SQS refuses (U+FFFF): a 400 InvalidMessageContents.
        throw Object.assign(new Error('Invalid characters found.'), { name: 'InvalidMessageContents', $fault: 'client', $metadata: { httpStatusCode: 400 } });
      },
    };
    const { bus, client } = await startHarness({ rules: [refusing] });

    await client.send(new PutEventsCommand({ Entries: [entry()] }));
    await bus.whenIdle();

    expect(calls).toBe(1);
    expect(await readJsonLines(bus.deadLettersPath)).toEqual([
      expect.objectContaining({ rule: 'refusing-target', error: 'Invalid characters found.', attempts: 1, reason: 'not-retryable' }),
    ]);
  });

  it('stops retrying once the event is older than maxEventAgeMs, whatever retries are left', async () => {
    let calls = 0;
    const broken: LocalRule = {
      name: 'down-for-good',
      pattern: { source: ['relais.test'] },
      deliver: async () => {
        calls += 1;
        throw new Error('target down');
      },
    };
    const { bus, client } = await startHarness({ rules: [broken], deliveryRetry: { retryAttempts: 185, maxEventAgeMs: 300, baseDelayMs: 40, maxDelayMs: 40 } });

    await client.send(new PutEventsCommand({ Entries: [entry()] }));
    await bus.whenIdle();

    const [deadLetter] = (await readJsonLines(bus.deadLettersPath)) as Array<{ attempts: number; reason: string }>;
    expect(deadLetter).toMatchObject({ reason: 'max-event-age-exceeded' });
    expect(deadLetter!.attempts).toBe(calls);
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBeLessThan(185);
  });
});

describe('local EventBridge bus: lifecycle', () => {
  it('binds to 127.0.0.1 on a free port by default', async () => {
    const { bus } = await startHarness();

    expect(bus.url).toBe(`http://127.0.0.1:${bus.port}`);
    expect(bus.port).toBeGreaterThan(0);
    const health = await fetch(`${bus.url}/_local/health`);
    expect(await health.json()).toEqual({ status: 'ok', busName: BUS_NAME, arn: bus.arn });
  });

  it('refuses to start when a rule pattern is invalid, naming the rule and the problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relais-event-bus-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const bad: LocalRule = { name: 'bad-rule', pattern: { detail: { amount: [{ numeric: ['>', 10, '<', 5] }] } }, deliver: async () => undefined };

    await expect(startLocalEventBus({ busName: BUS_NAME, eventsLogPath: join(dir, 'events.ndjson'), rules: [bad] })).rejects.toThrow(
      /rule "bad-rule": detail\.amount\[0\]\.numeric: the lower bound 10 must be less than the upper bound 5/,
    );
  });

  it('stops accepting requests once closed, with every accepted event already in the log', async () => {
    const { bus, client, eventsLogPath } = await startHarness();
    const result = await client.send(new PutEventsCommand({ Entries: [entry(), entry()] }));

    await bus.close();

    await expect(fetch(`${bus.url}/_local/health`)).rejects.toThrow();
    expect(((await readJsonLines(eventsLogPath)) as BusEvent[]).map((line) => line.id)).toEqual(eventIds(result.Entries));
  });

  it('dead-letters deliveries still waiting for a retry when the bus closes', async () => {
    const broken: LocalRule = {
      name: 'always-failing',
      pattern: { source: ['relais.test'] },
      deliver: async () => {
        throw new Error('target down');
      },
    };
    const { bus, client } = await startHarness({ rules: [broken], deliveryRetry: { retryAttempts: 4, baseDelayMs: 60_000 } });
    await client.send(new PutEventsCommand({ Entries: [entry()] }));

    await bus.close();

    expect(await readJsonLines(bus.deadLettersPath)).toEqual([expect.objectContaining({ rule: 'always-failing', error: 'target down', attempts: 1, reason: 'bus-closed-before-retry' })]);
  });
});
