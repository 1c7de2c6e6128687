/**
 * Table-driven tests of the local EventBridge pattern matcher. Cases marked "(docs)" reproduce the
 * examples of the AWS documentation, with the outcome the documentation states; the others pin down edge
 * semantics the same pages (and aws/event-ruler, the matching library EventBridge uses) describe.
 *
 * Sources:
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/content-filtering-with-event-patterns.html
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html
 * - https://aws.amazon.com/blogs/compute/filtering-events-in-amazon-eventbridge-with-wildcard-pattern-matching/
 * - https://github.com/aws/event-ruler (README: "Exists matching", "JSON Array Matching", "$or")
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidEventPatternError, matchesPattern, validatePattern, type EventPattern } from '../../../infra/local/event-bus/pattern.js';

/** The Amazon EC2 event the "event patterns" page uses. */
const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
} as const;

/** An envelope around `detail`, with the rest of the EC2 example's fields. */
function withDetail(detail: unknown, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...ec2Event, ...overrides, detail };
}

/** The content-filtering example event (event-ruler README, "Ruler by Example"). */
const contentEvent = withDetail(
  { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8, 'source-ip': '10.0.0.33', 'instance-id': 'i-000000aaaaaa00000', state: 'running' },
  { time: '2017-10-02T16:24:49Z', region: 'us-east-1', resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'] },
);

/** The null/empty-string example event ("Matching null values and empty strings"). */
const nullValuesEvent = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};

/** The arrays example event ("Arrays in event patterns"). */
const arraysEvent = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f', 'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f', 'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f'],
  detail: { 'instance-id': 'i-b188560f', state: 'terminated' },
};

interface MatchCase {
  readonly name: string;
  readonly pattern: EventPattern;
  readonly event: unknown;
  readonly matches: boolean;
}

const cases: readonly MatchCase[] = [
  // --- Exact values, AND across fields, OR inside arrays ------------------------------------------------
  { name: '(docs) source, detail-type and detail.state all equal', pattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['terminated'] } }, event: ec2Event, matches: true },
  { name: 'one field of three differs', pattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['running'] } }, event: ec2Event, matches: false },
  { name: '(docs) a value array is an OR: source is aws.ec2 or aws.fargate', pattern: { source: ['aws.ec2', 'aws.fargate'] }, event: ec2Event, matches: true },
  { name: 'no value of the OR list equals the field', pattern: { source: ['aws.s3', 'aws.fargate'] }, event: ec2Event, matches: false },
  { name: 'matches on account and region', pattern: { account: ['111122223333'], region: ['us-west-1'] }, event: ec2Event, matches: true },
  { name: 'region differs', pattern: { region: ['eu-west-1'] }, event: ec2Event, matches: false },
  { name: 'a field named in the pattern but absent from the event never matches', pattern: { detail: { colour: ['blue'] } }, event: ec2Event, matches: false },
  { name: 'matching is case-sensitive', pattern: { source: ['AWS.EC2'] }, event: ec2Event, matches: false },
  { name: 'field names are case-sensitive', pattern: { detail: { State: ['terminated'] } }, event: ec2Event, matches: false },
  { name: 'fields absent from the pattern are ignored', pattern: { detail: { 'instance-id': ['i-1234567890abcdef0'] } }, event: ec2Event, matches: true },
  { name: 'deeply nested objects are matched by path', pattern: { detail: { order: { customer: { tier: ['gold'] } } } }, event: withDetail({ order: { customer: { tier: 'gold' } } }), matches: true },
  { name: 'deeply nested path with a different leaf', pattern: { detail: { order: { customer: { tier: ['gold'] } } } }, event: withDetail({ order: { customer: { tier: 'silver' } } }), matches: false },
  { name: 'a nested pattern object does not match a scalar in the event', pattern: { detail: { order: { id: ['1'] } } }, event: withDetail({ order: '1' }), matches: false },
  { name: 'a leaf list does not match an object in the event', pattern: { detail: { order: ['1'] } }, event: withDetail({ order: { id: '1' } }), matches: false },
  { name: 'a number matches the same number', pattern: { detail: { count: [5] } }, event: withDetail({ count: 5 }), matches: true },
  { name: 'a number matches the same number written differently (3.018e2 = 301.8)', pattern: { detail: { 'x-limit': [3.018e2] } }, event: contentEvent, matches: true },
  { name: 'a number never equals the string of its digits', pattern: { detail: { count: [5] } }, event: withDetail({ count: '5' }), matches: false },
  { name: 'a string of digits never equals the number', pattern: { detail: { count: ['5'] } }, event: withDetail({ count: 5 }), matches: false },
  { name: 'true matches the boolean true', pattern: { detail: { enabled: [true] } }, event: withDetail({ enabled: true }), matches: true },
  { name: 'true does not match the string "true"', pattern: { detail: { enabled: [true] } }, event: withDetail({ enabled: 'true' }), matches: false },
  { name: 'false does not match a missing field', pattern: { detail: { enabled: [false] } }, event: withDetail({}), matches: false },

  // --- Null values and empty strings --------------------------------------------------------------------
  { name: '(docs) [""] matches an empty string', pattern: { detail: { eventVersion: [''] } }, event: nullValuesEvent, matches: true },
  { name: '(docs) [null] matches a null value', pattern: { detail: { responseElements: [null] } }, event: nullValuesEvent, matches: true },
  { name: '(docs) null and empty string are not interchangeable: [""] vs null', pattern: { detail: { responseElements: [''] } }, event: nullValuesEvent, matches: false },
  { name: '(docs) null and empty string are not interchangeable: [null] vs ""', pattern: { detail: { eventVersion: [null] } }, event: nullValuesEvent, matches: false },
  { name: '[null] does not match a missing field', pattern: { detail: { absent: [null] } }, event: nullValuesEvent, matches: false },
  { name: '[null] does not match an empty array', pattern: { resources: [null] }, event: nullValuesEvent, matches: false },

  // --- Arrays in events ----------------------------------------------------------------------------------
  { name: '(docs) an event array matches when one element is in the pattern list', pattern: { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f', 'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f', 'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f'] }, event: arraysEvent, matches: true },
  { name: '(docs) one common value between the pattern list and the event array suffices', pattern: { resources: ['arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f', 'arn:aws:ec2:us-west-2:000000000000:instance/i-other'] }, event: arraysEvent, matches: true },
  { name: 'an event array with no value in the pattern list', pattern: { resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f'] }, event: arraysEvent, matches: false },
  { name: 'an empty event array matches no value', pattern: { resources: ['anything'] }, event: nullValuesEvent, matches: false },
  { name: 'content filters apply to each element of an event array', pattern: { resources: [{ suffix: ':444455556666:instance/i-b188560f' }] }, event: arraysEvent, matches: true },
  { name: 'nested event arrays are flattened', pattern: { detail: { tags: ['c'] } }, event: withDetail({ tags: [['a', 'b'], ['c']] }), matches: true },
  { name: 'objects inside an event array are matched through the array', pattern: { detail: { employees: { firstName: ['Anna'] } } }, event: withDetail({ employees: [{ firstName: 'John', lastName: 'Doe' }, { firstName: 'Anna', lastName: 'Smith' }] }), matches: true },
  { name: 'fields of one pattern object must match within the same array element', pattern: { detail: { employees: { firstName: ['Anna'], lastName: ['Jones'] } } }, event: withDetail({ employees: [{ firstName: 'Anna', lastName: 'Smith' }, { firstName: 'Peter', lastName: 'Jones' }] }), matches: false },
  { name: 'two fields satisfied by the same array element match', pattern: { detail: { employees: { firstName: ['Peter'], lastName: ['Jones'] } } }, event: withDetail({ employees: [{ firstName: 'Anna', lastName: 'Smith' }, { firstName: 'Peter', lastName: 'Jones' }] }), matches: true },
  { name: 'array consistency holds through nested arrays of objects', pattern: { detail: { u: { t: { k: ['color'], v: ['blue'] } } } }, event: withDetail({ u: [{ t: [{ k: 'color' }, { v: 'blue' }] }] }), matches: false },

  // --- Prefix, suffix, equals-ignore-case ----------------------------------------------------------------
  { name: '(docs) prefix matches the start of time', pattern: { time: [{ prefix: '2017-10-02' }] }, event: contentEvent, matches: true },
  { name: 'prefix does not match another date', pattern: { time: [{ prefix: '2017-10-03' }] }, event: contentEvent, matches: false },
  { name: '(docs) prefix on region: Auto Scaling events from European regions', pattern: { source: ['aws.autoscaling'], region: [{ prefix: 'eu-' }] }, event: { ...nullValuesEvent, region: 'eu-west-1' }, matches: true },
  { name: 'prefix on region outside Europe', pattern: { source: ['aws.autoscaling'], region: [{ prefix: 'eu-' }] }, event: nullValuesEvent, matches: false },
  { name: 'prefix is case-sensitive', pattern: { source: [{ prefix: 'AWS.' }] }, event: ec2Event, matches: false },
  { name: 'prefix never matches a number', pattern: { detail: { code: [{ prefix: '13' }] } }, event: withDetail({ code: 131047 }), matches: false },
  { name: '(docs) prefix with equals-ignore-case: EventB matches eventbridge', pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } }, event: withDetail({ service: 'eventbridge' }), matches: true },
  { name: 'prefix with equals-ignore-case rejects another start', pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } }, event: withDetail({ service: 'Lambda' }), matches: false },
  { name: '(docs) suffix matches a .png file name', pattern: { detail: { FileName: [{ suffix: '.png' }] } }, event: withDetail({ FileName: 'photo.png' }), matches: true },
  { name: 'suffix does not match another extension', pattern: { detail: { FileName: [{ suffix: '.png' }] } }, event: withDetail({ FileName: 'photo.jpg' }), matches: false },
  { name: 'suffix is case-sensitive', pattern: { detail: { FileName: [{ suffix: '.png' }] } }, event: withDetail({ FileName: 'PHOTO.PNG' }), matches: false },
  { name: '(docs) suffix with equals-ignore-case: .png matches .PNG', pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, event: withDetail({ FileName: 'PHOTO.PNG' }), matches: true },
  { name: '(docs) equals-ignore-case on detail-type', pattern: { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] }, event: ec2Event, matches: true },
  { name: '(docs) equals-ignore-case: alice matches Alice', pattern: { detail: { Name: [{ 'equals-ignore-case': 'alice' }] } }, event: withDetail({ Name: 'Alice' }), matches: true },
  { name: 'equals-ignore-case needs the whole string', pattern: { detail: { Name: [{ 'equals-ignore-case': 'alice' }] } }, event: withDetail({ Name: 'Alicea' }), matches: false },
  { name: 'equals-ignore-case "" matches only the empty string', pattern: { detail: { value: [{ 'equals-ignore-case': '' }] } }, event: withDetail({ value: 'test-value' }), matches: false },

  // --- Wildcard -------------------------------------------------------------------------------------------
  { name: '(docs) wildcard over an event bus ARN', pattern: { detail: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] } }, event: withDetail({ EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/myEventBus' }), matches: true },
  { name: 'wildcard with a fixed part that differs', pattern: { detail: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] } }, event: withDetail({ EventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/myEventBus' }), matches: false },
  { name: '(blog) "*.png" matches strings ending in .png', pattern: { detail: { key: [{ wildcard: '*.png' }] } }, event: withDetail({ key: 'uploads/2024/cat.png' }), matches: true },
  { name: '(blog) "*Title*" matches Title in the middle', pattern: { detail: { name: [{ wildcard: '*Title*' }] } }, event: withDetail({ name: 'My Title Page' }), matches: true },
  { name: 'a wildcard star matches zero characters', pattern: { detail: { name: [{ wildcard: 'ab*c' }] } }, event: withDetail({ name: 'abc' }), matches: true },
  { name: 'a wildcard without stars is an exact match', pattern: { detail: { name: [{ wildcard: 'abc' }] } }, event: withDetail({ name: 'abcd' }), matches: false },
  { name: 'an escaped star matches only a literal asterisk', pattern: { detail: { name: [{ wildcard: 'a\\*b' }] } }, event: withDetail({ name: 'a*b' }), matches: true },
  { name: 'an escaped star is not a wildcard', pattern: { detail: { name: [{ wildcard: 'a\\*b' }] } }, event: withDetail({ name: 'axxb' }), matches: false },
  { name: 'an escaped backslash matches a literal backslash', pattern: { detail: { path: [{ wildcard: 'C:\\\\*' }] } }, event: withDetail({ path: 'C:\\Windows' }), matches: true },
  { name: 'regex metacharacters in a wildcard are literal', pattern: { detail: { name: [{ wildcard: 'a.b*' }] } }, event: withDetail({ name: 'axb-c' }), matches: false },
  { name: 'wildcard never matches a number', pattern: { detail: { code: [{ wildcard: '*' }] } }, event: withDetail({ code: 7 }), matches: false },

  // --- Anything-but ----------------------------------------------------------------------------------------
  { name: '(docs) anything-but a string matches another string', pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } }, event: contentEvent, matches: true },
  { name: 'anything-but a string does not match that string', pattern: { detail: { state: [{ 'anything-but': 'running' }] } }, event: contentEvent, matches: false },
  { name: '(docs) anything-but a number matches another number', pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, event: contentEvent, matches: true },
  { name: 'anything-but a number does not match that number', pattern: { detail: { 'x-limit': [{ 'anything-but': 301.8 }] } }, event: contentEvent, matches: false },
  { name: '(docs) anything-but a list of strings', pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, event: contentEvent, matches: true },
  { name: 'anything-but a list of strings containing the value', pattern: { detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } }, event: contentEvent, matches: false },
  { name: '(docs) anything-but a list of numbers', pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } }, event: contentEvent, matches: true },
  { name: 'anything-but a list of numbers containing the value', pattern: { detail: { 'c-count': [{ 'anything-but': [4, 5, 6] }] } }, event: contentEvent, matches: false },
  { name: 'anything-but never matches a missing field', pattern: { detail: { colour: [{ 'anything-but': 'blue' }] } }, event: contentEvent, matches: false },
  { name: 'anything-but matches a null value', pattern: { detail: { responseElements: [{ 'anything-but': 'initializing' }] } }, event: nullValuesEvent, matches: true },
  { name: 'anything-but a number matches the string of its digits', pattern: { detail: { count: [{ 'anything-but': 5 }] } }, event: withDetail({ count: '5' }), matches: true },
  { name: 'anything-but does not match an object', pattern: { detail: { order: [{ 'anything-but': 'x' }] } }, event: withDetail({ order: { id: 'y' } }), matches: false },
  { name: 'anything-but on an event array matches when one element is not excluded', pattern: { detail: { tags: [{ 'anything-but': 'banned' }] } }, event: withDetail({ tags: ['banned', 'ok'] }), matches: true },
  { name: 'anything-but on an event array whose elements are all excluded', pattern: { detail: { tags: [{ 'anything-but': 'banned' }] } }, event: withDetail({ tags: ['banned', 'banned'] }), matches: false },
  { name: '(docs) anything-but prefix: state not starting with init', pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, event: contentEvent, matches: true },
  { name: 'anything-but prefix excludes a value with that prefix', pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, event: withDetail({ state: 'initializing' }), matches: false },
  { name: 'anything-but prefix list excludes any listed prefix', pattern: { detail: { state: [{ 'anything-but': { prefix: ['init', 'post'] } }] } }, event: withDetail({ state: 'post-init' }), matches: false },
  { name: 'anything-but prefix matches a number (a number has no prefix)', pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, event: withDetail({ state: 12 }), matches: true },
  { name: '(docs) anything-but suffix: file name not ending in .png', pattern: { detail: { FileName: [{ 'anything-but': { suffix: '.png' } }] } }, event: withDetail({ FileName: 'notes.txt' }), matches: true },
  { name: 'anything-but suffix excludes a .png file', pattern: { detail: { FileName: [{ 'anything-but': { suffix: '.png' } }] } }, event: withDetail({ FileName: 'photo.png' }), matches: false },
  { name: '(docs) anything-but equals-ignore-case excludes INITIALIZING', pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } }, event: withDetail({ state: 'INITIALIZING' }), matches: false },
  { name: 'anything-but equals-ignore-case matches another state', pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } }, event: withDetail({ state: 'Running' }), matches: true },
  { name: 'anything-but equals-ignore-case list', pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'Overloaded'] } }] } }, event: withDetail({ state: 'OVERLOADED' }), matches: false },
  { name: '(docs) anything-but wildcard: a path without /lib/', pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } }, event: withDetail({ FilePath: '/usr/bin/env' }), matches: true },
  { name: 'anything-but wildcard excludes a path with /lib/', pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } }, event: withDetail({ FilePath: '/usr/lib/node' }), matches: false },

  // --- Numeric ---------------------------------------------------------------------------------------------
  { name: '(docs) numeric ranges and equality all hold', pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } }, event: contentEvent, matches: true },
  { name: 'numeric: an inclusive upper bound includes the bound', pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, event: contentEvent, matches: true },
  { name: 'numeric: an exclusive upper bound excludes the bound', pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<', 5] }] } }, event: contentEvent, matches: false },
  { name: 'numeric: an exclusive lower bound excludes the bound', pattern: { detail: { 'c-count': [{ numeric: ['>', 5] }] } }, event: contentEvent, matches: false },
  { name: 'numeric: an inclusive lower bound includes the bound', pattern: { detail: { 'c-count': [{ numeric: ['>=', 5] }] } }, event: contentEvent, matches: true },
  { name: 'numeric: negative numbers and fractions', pattern: { detail: { delta: [{ numeric: ['>=', -1.5, '<', 0] }] } }, event: withDetail({ delta: -0.25 }), matches: true },
  { name: 'numeric: = with a different value', pattern: { detail: { 'x-limit': [{ numeric: ['=', 300] }] } }, event: contentEvent, matches: false },
  { name: 'numeric never matches a string, even of digits', pattern: { detail: { amount: [{ numeric: ['>', 0] }] } }, event: withDetail({ amount: '500' }), matches: false },
  { name: 'numeric never matches null or a boolean', pattern: { detail: { amount: [{ numeric: ['>=', 0] }] } }, event: withDetail({ amount: [null, true] }), matches: false },
  { name: 'numeric on an event array matches when one element is in range', pattern: { detail: { vals: [{ numeric: ['>', 0, '<', 10] }] } }, event: withDetail({ vals: [100, 5, 200] }), matches: true },
  { name: 'numeric on a missing field', pattern: { detail: { amount: [{ numeric: ['>', 0] }] } }, event: withDetail({}), matches: false },

  // --- IP address (cidr) ---------------------------------------------------------------------------------
  { name: '(docs) cidr: an IPv4 address inside 10.0.0.0/24', pattern: { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, event: contentEvent, matches: true },
  { name: 'cidr: an IPv4 address outside the block', pattern: { detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, event: contentEvent, matches: false },
  { name: 'cidr: a block that is not byte aligned (/20)', pattern: { detail: { ip: [{ cidr: '172.16.16.0/20' }] } }, event: withDetail({ ip: '172.16.31.255' }), matches: true },
  { name: 'cidr: just past a /20 block', pattern: { detail: { ip: [{ cidr: '172.16.16.0/20' }] } }, event: withDetail({ ip: '172.16.32.0' }), matches: false },
  { name: 'cidr: /32 matches only that address', pattern: { detail: { ip: [{ cidr: '192.0.2.7/32' }] } }, event: withDetail({ ip: '192.0.2.8' }), matches: false },
  { name: 'cidr: /0 matches every IPv4 address', pattern: { detail: { ip: [{ cidr: '0.0.0.0/0' }] } }, event: withDetail({ ip: '203.0.113.9' }), matches: true },
  { name: '(docs) cidr: an IPv6 address inside 2001:db8::/32', pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } }, event: withDetail({ sourceIPAddress: '2001:0db8:1234:5678::1' }), matches: true },
  { name: 'cidr: an IPv6 address outside the block', pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } }, event: withDetail({ sourceIPAddress: '2001:db9::1' }), matches: false },
  { name: 'cidr: IPv6 with an embedded IPv4 tail', pattern: { detail: { ip: [{ cidr: '::ffff:0:0/96' }] } }, event: withDetail({ ip: '::ffff:192.0.2.1' }), matches: true },
  { name: 'cidr: an IPv4 address never matches an IPv6 block', pattern: { detail: { ip: [{ cidr: '::/0' }] } }, event: withDetail({ ip: '10.0.0.1' }), matches: false },
  { name: 'cidr never matches a number', pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } }, event: withDetail({ sourceIPAddress: 123 }), matches: false },
  { name: 'cidr never matches a string that is not an address', pattern: { detail: { ip: [{ cidr: '10.0.0.0/8' }] } }, event: withDetail({ ip: '10.0.0.256' }), matches: false },

  // --- Exists ------------------------------------------------------------------------------------------------
  { name: '(docs) exists true: the field is present', pattern: { detail: { 'c-count': [{ exists: true }] } }, event: contentEvent, matches: true },
  { name: 'exists true: the field is missing', pattern: { detail: { 'e-count': [{ exists: true }] } }, event: contentEvent, matches: false },
  { name: '(docs) exists false: the field is missing', pattern: { detail: { 'c-count': [{ exists: false }] } }, event: withDetail({ state: 'running' }), matches: true },
  { name: 'exists false: the field is present', pattern: { detail: { 'c-count': [{ exists: false }] } }, event: contentEvent, matches: false },
  { name: '(ruler) exists false matches a non-leaf: an object is not a leaf', pattern: { detail: { 'c-count': [{ exists: false }] } }, event: withDetail({ 'c-count': { c1: 100 } }), matches: true },
  { name: 'exists true does not match an object value', pattern: { detail: { 'c-count': [{ exists: true }] } }, event: withDetail({ 'c-count': { c1: 100 } }), matches: false },
  { name: 'exists true matches a null value (the field is present)', pattern: { detail: { responseElements: [{ exists: true }] } }, event: nullValuesEvent, matches: true },
  { name: 'exists false does not match a null value', pattern: { detail: { responseElements: [{ exists: false }] } }, event: nullValuesEvent, matches: false },
  { name: 'exists true matches an empty string', pattern: { detail: { eventVersion: [{ exists: true }] } }, event: nullValuesEvent, matches: true },
  { name: 'exists true does not match an empty array', pattern: { resources: [{ exists: true }] }, event: nullValuesEvent, matches: false },
  { name: 'exists false matches an empty array', pattern: { resources: [{ exists: false }] }, event: nullValuesEvent, matches: true },
  { name: 'exists true matches a non-empty array of values', pattern: { resources: [{ exists: true }] }, event: arraysEvent, matches: true },
  { name: 'exists false matches when a parent is missing', pattern: { detail: { order: { id: [{ exists: false }] } } }, event: withDetail({}), matches: true },
  { name: 'exists true fails when a parent is missing', pattern: { detail: { order: { id: [{ exists: true }] } } }, event: withDetail({}), matches: false },
  { name: 'exists false with a sibling condition inside one array element', pattern: { detail: { a: [{ exists: true }], b: [{ exists: false }] } }, event: withDetail([{ a: 1 }]), matches: true },
  { name: 'exists false fails when the same array element has the field', pattern: { detail: { a: [{ exists: true }], b: [{ exists: false }] } }, event: withDetail([{ a: 1, b: 2 }]), matches: false },
  { name: 'exists in a value list is ORed with other values', pattern: { detail: { state: ['stopped', { exists: false }] } }, event: withDetail({}), matches: true },
  { name: 'exists true combined with a prefix on another field', pattern: { detail: { 'c-count': [{ exists: true }], state: [{ prefix: 'run' }] } }, event: contentEvent, matches: true },

  // --- $or ------------------------------------------------------------------------------------------------------
  { name: '(docs) $or: source and (metricName or namespace), first branch', pattern: { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }] }, event: { source: 'aws.cloudwatch', metricName: 'CPUUtilization', namespace: 'AWS/RDS' }, matches: true },
  { name: '(docs) $or: second branch', pattern: { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }] }, event: { source: 'aws.cloudwatch', metricName: 'DiskIO', namespace: 'AWS/EC2' }, matches: true },
  { name: '$or: no branch holds', pattern: { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }] }, event: { source: 'aws.cloudwatch', metricName: 'DiskIO', namespace: 'AWS/RDS' }, matches: false },
  { name: '$or: a branch holds but the sibling field does not', pattern: { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] }, event: { source: 'aws.ec2', metricName: 'CPUUtilization' }, matches: false },
  { name: '(docs) $or: an AND inside a branch', pattern: { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'] }, { scope: ['Service'] }] }, event: { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' }, matches: true },
  { name: '$or: half of an AND branch is not enough', pattern: { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'] }] }, event: { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES' }, matches: false },
  { name: '(docs) $or: nested $or', pattern: { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] }] }, event: { source: 'aws.cloudwatch', metricType: 'MetricType', spaceId: 1000 }, matches: true },
  { name: '(docs) $or: parallel $or at two levels', pattern: { $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }], detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] } }, event: { namespace: 'AWS/EC2', detail: { 'detail-type': 'CloudWatch Alarm State Change' } }, matches: true },
  { name: '$or: parallel $or where the inner one fails', pattern: { $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }], detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] } }, event: { namespace: 'AWS/EC2', detail: { 'detail-type': 'Other' } }, matches: false },
  { name: '$or: alternative content filters on different fields', pattern: { detail: { $or: [{ amount: [{ numeric: ['>', 1000] }] }, { priority: [{ 'equals-ignore-case': 'high' }] }] } }, event: withDetail({ amount: 10, priority: 'HIGH' }), matches: true },

  // --- Complex and non-envelope inputs --------------------------------------------------------------------------
  { name: '(docs) complex example combining filters', pattern: { time: [{ prefix: '2017-10-02' }], detail: { state: [{ 'anything-but': 'initializing' }], 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ 'anything-but': [100, 200, 300] }], 'source-ip': [{ cidr: '10.0.0.0/8' }] } }, event: contentEvent, matches: true },
  { name: 'complex example with one failing filter', pattern: { time: [{ prefix: '2017-10-02' }], detail: { state: [{ 'anything-but': 'initializing' }], 'c-count': [{ numeric: ['>', 0, '<=', 4] }], 'source-ip': [{ cidr: '10.0.0.0/8' }] } }, event: contentEvent, matches: false },
  { name: 'a non-object event matches nothing', pattern: { source: ['aws.ec2'] }, event: 'aws.ec2', matches: false },
  { name: 'a null event matches nothing but absence', pattern: { source: [{ exists: false }] }, event: null, matches: true },
  { name: 'a field name containing dots is one field, not a path', pattern: { detail: { 'state.status': ['running'] } }, event: withDetail({ state: { status: 'running' } }), matches: false },
];

describe('matchesPattern (EventBridge content filtering)', () => {
  it.each(cases)('$name → $matches', ({ pattern, event, matches }) => {
    expect(validatePattern(pattern)).toEqual([]);
    expect(matchesPattern(pattern, event)).toBe(matches);
  });

  it('gives the same answer from a compiled pattern as from matchesPattern', () => {
    for (const { pattern, event, matches } of cases) {
      expect(compilePattern(pattern)(event)).toBe(matches);
    }
  });

  it('throws InvalidEventPatternError naming the problem instead of silently never matching', () => {
    const invalid = { detail: { amount: [{ numeric: ['>', 10, '<', 5] }] } } as unknown as EventPattern;
    expect(() => matchesPattern(invalid, ec2Event)).toThrow(InvalidEventPatternError);
    expect(() => matchesPattern(invalid, ec2Event)).toThrow(/detail\.amount\[0\]\.numeric: the lower bound 10 must be less than the upper bound 5/);
  });
});

describe('matcher properties', () => {
  const text = fc.string({ maxLength: 12 });

  it('a prefix filter matches exactly the strings that start with it', () => {
    fc.assert(
      fc.property(text, text, (prefix, value) => {
        expect(matchesPattern({ detail: { v: [{ prefix }] } }, withDetail({ v: value }))).toBe(value.startsWith(prefix));
      }),
    );
  });

  it('a numeric range matches exactly the numbers inside it', () => {
    const bound = fc.double({ min: -1e6, max: 1e6, noNaN: true });
    fc.assert(
      fc.property(bound, bound, bound, (a, b, value) => {
        fc.pre(a < b);
        const pattern: EventPattern = { detail: { v: [{ numeric: ['>=', a, '<', b] }] } };
        expect(matchesPattern(pattern, withDetail({ v: value }))).toBe(value >= a && value < b);
      }),
    );
  });

  it('a value list matches when any single-value pattern would (arrays are OR)', () => {
    const values = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(values, fc.constantFrom('a', 'b', 'c', 'd', 'e'), (list, value) => {
        const combined = matchesPattern({ detail: { v: list } }, withDetail({ v: value }));
        const anySingle = list.some((item) => matchesPattern({ detail: { v: [item] } }, withDetail({ v: value })));
        expect(combined).toBe(anySingle);
      }),
    );
  });

  it('anything-but a string list is the negation of the list, for present string fields', () => {
    const values = fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(values, fc.constantFrom('a', 'b', 'c', 'd'), (list, value) => {
        const event = withDetail({ v: value });
        expect(matchesPattern({ detail: { v: [{ 'anything-but': list }] } }, event)).toBe(!matchesPattern({ detail: { v: list } }, event));
      }),
    );
  });
});

interface InvalidCase {
  readonly name: string;
  readonly pattern: unknown;
  readonly problem: RegExp;
}

const invalidCases: readonly InvalidCase[] = [
  { name: 'a pattern that is not an object', pattern: ['aws.ec2'], problem: /\(root\): an event pattern must be a JSON object/ },
  { name: 'an empty pattern', pattern: {}, problem: /\(root\): must not be an empty object/ },
  { name: 'a bare string instead of a value list', pattern: { source: 'aws.ec2' }, problem: /source: must be an array of match values or a nested object/ },
  { name: 'a bare number instead of a value list', pattern: { detail: { count: 5 } }, problem: /detail\.count: must be an array/ },
  { name: 'an empty value list', pattern: { source: [] }, problem: /source: must list at least one match value/ },
  { name: 'an empty nested object', pattern: { detail: {} }, problem: /detail: must not be an empty object/ },
  { name: 'a nested array in a value list', pattern: { source: [['aws.ec2']] }, problem: /source\[0\]: arrays cannot be nested/ },
  { name: 'an unknown operator', pattern: { source: [{ contains: 'ec2' }] }, problem: /source\[0\]: unrecognised match type "contains"/ },
  { name: 'two operators in one filter', pattern: { source: [{ prefix: 'a', suffix: 'b' }] }, problem: /exactly one operator, found prefix, suffix/ },
  { name: 'an operator-less filter object', pattern: { source: [{}] }, problem: /exactly one operator, found none/ },
  { name: 'operators are case-sensitive', pattern: { source: [{ Prefix: 'aws.' }] }, problem: /unrecognised match type "Prefix"/ },
  { name: 'a numeric prefix', pattern: { source: [{ prefix: 5 }] }, problem: /source\[0\]\.prefix: must be a string/ },
  { name: 'prefix with an unknown nested form', pattern: { source: [{ prefix: { 'equals-case': 'a' } }] }, problem: /the only nested form is \{ "equals-ignore-case"/ },
  { name: 'equals-ignore-case with a list', pattern: { source: [{ 'equals-ignore-case': ['a', 'b'] }] }, problem: /equals-ignore-case: must be a string, not an array/ },
  { name: 'consecutive wildcards', pattern: { detail: { arn: [{ wildcard: 'arn:aws:events:us-east-1:**:event-bus/*' }] } }, problem: /consecutive wildcard characters at position 25/ },
  { name: 'a backslash escaping another character', pattern: { detail: { name: [{ wildcard: 'a\\b' }] } }, problem: /backslash at position 1 may only escape/ },
  { name: 'a trailing backslash', pattern: { detail: { name: [{ wildcard: 'a\\' }] } }, problem: /backslash at position 1 may only escape/ },
  { name: 'a numeric filter that is not an array', pattern: { detail: { n: [{ numeric: '>5' }] } }, problem: /numeric: must be an array of operator\/number pairs/ },
  { name: 'a numeric filter with an odd number of items', pattern: { detail: { n: [{ numeric: ['>', 0, '<'] }] } }, problem: /numeric: must be an array of operator\/number pairs/ },
  { name: 'an unknown numeric operator', pattern: { detail: { n: [{ numeric: ['!=', 0] }] } }, problem: /unknown numeric operator the string "!="/ },
  { name: 'a numeric operand that is a string', pattern: { detail: { n: [{ numeric: ['>', '0'] }] } }, problem: /">" must be followed by a number, not the string "0"/ },
  { name: 'two lower bounds', pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '>', 0] }] } }, problem: /more than one lower bound/ },
  { name: 'two upper bounds', pattern: { detail: { n: [{ numeric: ['<', 5, '<=', 6] }] } }, problem: /more than one upper bound/ },
  { name: 'an empty range', pattern: { detail: { n: [{ numeric: ['>=', 5, '<', 5] }] } }, problem: /lower bound 5 must be less than the upper bound 5/ },
  { name: '= combined with a range', pattern: { detail: { n: [{ numeric: ['=', 5, '<', 6] }] } }, problem: /"=" cannot be combined/ },
  { name: 'a bound outside ±5e9', pattern: { detail: { n: [{ numeric: ['<', 6e9] }] } }, problem: /outside the supported range/ },
  { name: 'exists with a string', pattern: { detail: { n: [{ exists: 'true' }] } }, problem: /exists: must be true or false/ },
  { name: 'cidr without a prefix length', pattern: { detail: { ip: [{ cidr: '10.0.0.1' }] } }, problem: /exactly one "\/" is required/ },
  { name: 'cidr with a bad address', pattern: { detail: { ip: [{ cidr: '10.0.0.256/24' }] } }, problem: /"10\.0\.0\.256" is not a valid IPv4 or IPv6 address/ },
  { name: 'cidr with a mask too long for IPv4', pattern: { detail: { ip: [{ cidr: '10.0.0.0/33' }] } }, problem: /prefix length "33" must be an integer from 0 to 32/ },
  { name: 'cidr with a bad IPv6 address', pattern: { detail: { ip: [{ cidr: '2001:db8:::1/64' }] } }, problem: /is not a valid IPv4 or IPv6 address/ },
  { name: 'cidr with a number', pattern: { detail: { ip: [{ cidr: 10 }] } }, problem: /cidr: must be a string such as "10\.0\.0\.0\/24"/ },
  { name: 'anything-but null', pattern: { detail: { state: [{ 'anything-but': null }] } }, problem: /anything-but: must be a string, a number, a list of either, or a nested filter, not null/ },
  { name: 'anything-but with a mixed list', pattern: { detail: { state: [{ 'anything-but': ['a', 1] }] } }, problem: /only strings or only numbers/ },
  { name: 'anything-but with a list containing null', pattern: { detail: { state: [{ 'anything-but': ['a', null] }] } }, problem: /only strings or only numbers/ },
  { name: 'anything-but with an empty list', pattern: { detail: { state: [{ 'anything-but': [] }] } }, problem: /must be non-empty/ },
  { name: 'anything-but with an empty prefix', pattern: { detail: { state: [{ 'anything-but': { prefix: '' } }] } }, problem: /anything-but\.prefix: must not be empty/ },
  { name: 'anything-but with an empty suffix', pattern: { detail: { state: [{ 'anything-but': { suffix: '' } }] } }, problem: /anything-but\.suffix: must not be empty/ },
  { name: 'anything-but prefix with a number in its list', pattern: { detail: { state: [{ 'anything-but': { prefix: [123, 'test'] } }] } }, problem: /anything-but\.prefix: must be a string or a non-empty list of strings/ },
  { name: 'anything-but prefix with equals-ignore-case nested', pattern: { detail: { f: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'file' } } }] } }, problem: /anything-but\.prefix: must be a string or a non-empty list of strings, not an object/ },
  { name: 'anything-but with an unsupported nested filter', pattern: { detail: { n: [{ 'anything-but': { numeric: ['>', 1] } }] } }, problem: /unsupported anything-but filter "numeric"/ },
  { name: 'anything-but wildcard with consecutive stars', pattern: { detail: { f: [{ 'anything-but': { wildcard: ['a*', 'b**'] } }] } }, problem: /anything-but\.wildcard\[1\]: consecutive wildcard characters/ },
  { name: '$or with one alternative', pattern: { $or: [{ source: ['a'] }] }, problem: /\$or: needs at least two alternative patterns/ },
  { name: '$or with a non-object alternative', pattern: { $or: [{ source: ['a'] }, 'b'] }, problem: /\$or\[1\]: each \$or alternative must be a pattern object/ },
  { name: 'an invalid filter inside an $or branch', pattern: { $or: [{ source: ['a'] }, { n: [{ numeric: ['>'] }] }] }, problem: /\$or\[1\]\.n\[0\]\.numeric/ },
];

describe('validatePattern', () => {
  it.each(invalidCases)('refuses $name', ({ pattern, problem }) => {
    const problems = validatePattern(pattern);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(problem);
  });

  it('lists every problem of a pattern, not only the first', () => {
    const problems = validatePattern({ source: 'aws.ec2', detail: { n: [{ numeric: ['>', 5, '<', 1] }], ip: [{ cidr: 'nope' }] } });
    expect(problems).toHaveLength(3);
  });

  it('accepts the documented forms of every operator', () => {
    const pattern = {
      source: ['relais', { prefix: 'aws.' }, { prefix: { 'equals-ignore-case': 'AWS.' } }, { suffix: '.io' }, { suffix: { 'equals-ignore-case': '.IO' } }],
      'detail-type': [{ 'equals-ignore-case': 'messagereceived' }, { wildcard: 'Message*' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }, { 'anything-but': ['a', 'b'] }, { 'anything-but': { prefix: 'init' } }, { 'anything-but': { suffix: ['.png', '.jpg'] } }, { 'anything-but': { 'equals-ignore-case': ['X'] } }, { 'anything-but': { wildcard: '*/lib/*' } }, { 'anything-but': { wildcard: '' } }],
        count: [{ numeric: ['>', 0, '<=', 5] }, { numeric: ['=', 3.018e2] }, { numeric: ['<', 10] }, { 'anything-but': [100, 200] }, { 'anything-but': 7 }],
        ip: [{ cidr: '10.0.0.0/24' }, { cidr: '2001:db8::/32' }, { cidr: '0.0.0.0/0' }],
        flag: [true, false, null, '', { exists: true }, { exists: false }],
        $or: [{ a: ['1'] }, { b: [{ exists: true }] }],
      },
    };
    expect(validatePattern(pattern)).toEqual([]);
  });
});
