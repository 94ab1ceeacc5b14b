import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { InvalidEventPatternError } from '../local/bus/errors.ts';
import { matchesEventPattern, validateEventPattern } from '../local/bus/event-pattern.ts';

// Patterns and events are mostly taken from the EventBridge user guide's examples.

type Case = readonly [name: string, pattern: object, event: object, expected: boolean];

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
};

/** An event whose `detail` is the given object. */
function withDetail(detail: object): object {
  return { ...ec2Event, detail };
}

function runCases(cases: readonly Case[]): void {
  it.each(cases)('%s', (_name, pattern, event, expected) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });
}

describe('exact values, fields and arrays', () => {
  runCases([
    [
      'the guide EC2 termination pattern matches',
      { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['terminated'] } },
      ec2Event,
      true,
    ],
    ['a different source does not match', { source: ['aws.fargate'] }, ec2Event, false],
    ['values in a list are OR-ed', { source: ['aws.fargate', 'aws.ec2'] }, ec2Event, true],
    ['fields are AND-ed: one failing field fails the pattern', { source: ['aws.ec2'], region: ['eu-west-1'] }, ec2Event, false],
    ['a field missing from the event fails', { detail: { 'c-count': [5] } }, ec2Event, false],
    ['string matching is case-sensitive', { detail: { state: ['Terminated'] } }, ec2Event, false],
    ['fields not in the pattern are ignored', { region: ['us-west-1'] }, ec2Event, true],
    ['a number matches the same number', { detail: { n: [5] } }, withDetail({ n: 5 }), true],
    ['a number does not match its string form', { detail: { n: [5] } }, withDetail({ n: '5' }), false],
    ['a string does not match the number it spells', { detail: { n: ['5'] } }, withDetail({ n: 5 }), false],
    ['numbers compare by value: 300 equals 3.0e2', { detail: { n: [300] } }, JSON.parse('{"detail": {"n": 3.0e2}}') as object, true],
    ['true matches true', { detail: { on: [true] } }, withDetail({ on: true }), true],
    ['true does not match "true"', { detail: { on: [true] } }, withDetail({ on: 'true' }), false],
    ['false does not match null', { detail: { on: [false] } }, withDetail({ on: null }), false],
    ['null matches null', { detail: { responseElements: [null] } }, withDetail({ responseElements: null }), true],
    ['"" matches the empty string', { detail: { eventVersion: [''] } }, withDetail({ eventVersion: '' }), true],
    ['"" does not match null', { detail: { eventVersion: [''] } }, withDetail({ eventVersion: null }), false],
    ['null does not match ""', { detail: { responseElements: [null] } }, withDetail({ responseElements: '' }), false],
    ['null does not match a missing field', { detail: { responseElements: [null] } }, withDetail({}), false],
    [
      'an event array matches when it shares a value with the pattern',
      { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f', 'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f'] },
      {
        resources: [
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup',
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        ],
      },
      true,
    ],
    ['an event array with no shared value does not match', { resources: ['a', 'b'] }, { resources: ['c', 'd'] }, false],
    ['an empty event array does not match', { resources: ['a'] }, { resources: [] }, false],
    ['nested event arrays are flattened', { tags: ['b'] }, { tags: [['a'], ['b', 'c']] }, true],
    ['a nested pattern does not match a scalar', { detail: { state: ['x'] } }, { detail: 'x' }, false],
    ['a value list does not match an object', { detail: ['x'] }, { detail: { x: 1 } }, false],
    ['deeply nested fields match', { detail: { a: { b: { c: ['d'] } } } }, { detail: { a: { b: { c: 'd' } } } }, true],
    ['a pattern field named like an Object prototype member is not found', { constructor: { name: ['Object'] } }, {}, false],
  ]);
});

describe('arrays of objects are matched element by element', () => {
  const employees = {
    employees: [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
      { firstName: 'Peter', lastName: 'Jones' },
    ],
  };
  runCases([
    ['a field of one element matches', { employees: { firstName: ['Anna'] } }, employees, true],
    ['two fields of the same element match', { employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees, true],
    ['fields from different elements do not match', { employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees, false],
    [
      'arrays of arrays of objects match',
      { employees: { firstName: ['Peter'] } },
      { employees: [[{ firstName: 'John' }], [{ firstName: 'Peter' }]] },
      true,
    ],
    [
      'elements of different inner arrays are different elements',
      { employees: { firstName: ['John'], lastName: ['Jones'] } },
      { employees: [[{ firstName: 'John' }], [{ lastName: 'Jones' }]] },
      false,
    ],
  ]);
});

describe('prefix', () => {
  runCases([
    ['matches the start of a string', { time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-02T18:43:48Z' }, true],
    ['does not match elsewhere in the string', { time: [{ prefix: '10-02' }] }, { time: '2017-10-02T18:43:48Z' }, false],
    ['is case-sensitive', { region: [{ prefix: 'EU-' }] }, { region: 'eu-west-1' }, false],
    ['never matches a number', { n: [{ prefix: '12' }] }, { n: 123 }, false],
    ['matches one element of an array', { region: [{ prefix: 'eu-' }] }, { region: ['us-east-1', 'eu-west-1'] }, true],
    // Only anything-but refuses an empty prefix; a plain one is accepted and matches every string.
    ['an empty prefix matches every string', { region: [{ prefix: '' }] }, { region: 'eu-west-1' }, true],
    [
      'with equals-ignore-case matches any casing',
      { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
      { detail: { service: 'eventbridge' } },
      true,
    ],
    [
      'with equals-ignore-case still needs the prefix',
      { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
      { detail: { service: 'xEVENTB' } },
      false,
    ],
  ]);
});

describe('suffix', () => {
  runCases([
    ['matches the end of a string', { FileName: [{ suffix: '.png' }] }, { FileName: 'image.png' }, true],
    ['does not match another ending', { FileName: [{ suffix: '.png' }] }, { FileName: 'image.jpg' }, false],
    ['is case-sensitive', { FileName: [{ suffix: '.png' }] }, { FileName: 'image.PNG' }, false],
    ['never matches a number', { n: [{ suffix: '3' }] }, { n: 123 }, false],
    [
      'with equals-ignore-case matches any casing',
      { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
      { detail: { FileName: 'IMAGE.PNG' } },
      true,
    ],
    [
      'with equals-ignore-case still needs the suffix',
      { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
      { detail: { FileName: 'image.PNG.gz' } },
      false,
    ],
  ]);
});

describe('equals-ignore-case', () => {
  runCases([
    ['matches another casing', { Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'ALICE' }, true],
    ['matches the same casing', { Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'alice' }, true],
    ['does not match a longer string', { Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'Alicia' }, false],
    ['never matches a non-string', { on: [{ 'equals-ignore-case': 'true' }] }, { on: true }, false],
  ]);
});

describe('anything-but', () => {
  runCases([
    ['a string matches other strings', { detail: { state: [{ 'anything-but': 'initializing' }] } }, withDetail({ state: 'running' }), true],
    ['a string excludes itself', { detail: { state: [{ 'anything-but': 'initializing' }] } }, withDetail({ state: 'initializing' }), false],
    ['a number matches other numbers', { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, withDetail({ 'x-limit': 124 }), true],
    ['a number excludes itself', { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, withDetail({ 'x-limit': 123 }), false],
    [
      'a list of strings excludes each of them',
      { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
      withDetail({ state: 'overloaded' }),
      false,
    ],
    [
      'a list of strings matches other strings',
      { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
      withDetail({ state: 'running' }),
      true,
    ],
    [
      'a list of numbers excludes by value',
      { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
      JSON.parse('{"detail": {"x-limit": 3.0e2}}') as object,
      false,
    ],
    [
      'a list of numbers matches other numbers',
      { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
      withDetail({ 'x-limit': 250 }),
      true,
    ],
    ['a string matches a value of another type', { state: [{ 'anything-but': 'initializing' }] }, { state: 5 }, true],
    ['a string does not match a missing field', { state: [{ 'anything-but': 'initializing' }] }, {}, false],
    ['matches an event array holding any other value', { state: [{ 'anything-but': 'stopped' }] }, { state: ['stopped', 'running'] }, true],
    [
      'does not match an event array of excluded values only',
      { state: [{ 'anything-but': 'stopped' }] },
      { state: ['stopped', 'stopped'] },
      false,
    ],
    [
      'prefix excludes strings with that prefix',
      { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
      withDetail({ state: 'initializing' }),
      false,
    ],
    [
      'prefix matches strings without it',
      { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
      withDetail({ state: 'running' }),
      true,
    ],
    ['suffix excludes strings with that suffix', { FileName: [{ 'anything-but': { suffix: '.png' } }] }, { FileName: 'a.png' }, false],
    ['suffix matches strings without it', { FileName: [{ 'anything-but': { suffix: '.png' } }] }, { FileName: 'a.txt' }, true],
    [
      'wildcard excludes what the wildcard matches',
      { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
      { FilePath: '/usr/lib/libc.so' },
      false,
    ],
    ['wildcard matches the rest', { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, { FilePath: '/usr/bin/env' }, true],
    [
      'wildcard list excludes each',
      { FilePath: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] },
      { FilePath: '/usr/bin/env' },
      false,
    ],
    [
      'equals-ignore-case excludes every casing',
      { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
      { state: 'INITIALIZING' },
      false,
    ],
    [
      'equals-ignore-case matches other strings',
      { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
      { state: 'running' },
      true,
    ],
    [
      'equals-ignore-case list excludes each',
      { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] },
      { state: 'Stopped' },
      false,
    ],
  ]);
});

describe('numeric', () => {
  const counts = {
    detail: {
      'c-count': [{ numeric: ['>', 0, '<=', 5] }],
      'd-count': [{ numeric: ['<', 10] }],
      'x-limit': [{ numeric: ['=', 3.018e2] }],
    },
  };
  runCases([
    ['the guide example matches', counts, withDetail({ 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 }), true],
    ['an open lower bound excludes the bound', counts, withDetail({ 'c-count': 0, 'd-count': 3, 'x-limit': 301.8 }), false],
    ['a closed upper bound includes the bound', { n: [{ numeric: ['<=', 5] }] }, { n: 5 }, true],
    ['an open upper bound excludes the bound', { n: [{ numeric: ['<', 10] }] }, { n: 10 }, false],
    ['a closed lower bound includes the bound', { n: [{ numeric: ['>=', -1.5] }] }, { n: -1.5 }, true],
    ['the bounds may come upper first', { n: [{ numeric: ['<', 10, '>', 0] }] }, { n: 9.99 }, true],
    ['"=" compares by value', { n: [{ numeric: ['=', 300] }] }, JSON.parse('{"n": 3.0e2}') as object, true],
    ['"=" excludes other values', { n: [{ numeric: ['=', 300] }] }, { n: 300.5 }, false],
    ['never matches a numeric string', { n: [{ numeric: ['>', 0] }] }, { n: '5' }, false],
    ['never matches null', { n: [{ numeric: ['<', 10] }] }, { n: null }, false],
    ['matches one element of an event array', { n: [{ numeric: ['>', 0] }] }, { n: [-1, 0, 3] }, true],
    ['does not match a missing field', { n: [{ numeric: ['>', 0] }] }, {}, false],
    ['a closed range of one value matches it', { n: [{ numeric: ['>=', 5, '<=', 5] }] }, { n: 5 }, true],
  ]);
});

describe('cidr', () => {
  const v4 = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };
  const v6 = { ip: [{ cidr: '2001:db8::/32' }] };
  runCases([
    ['an IPv4 address inside the block matches', v4, withDetail({ sourceIPAddress: '10.0.0.255' }), true],
    ['an IPv4 address outside the block does not', v4, withDetail({ sourceIPAddress: '10.0.1.0' }), false],
    ['a /8 block', { ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '10.200.3.4' }, true],
    ['a /32 block is one address', { ip: [{ cidr: '192.168.1.7/32' }] }, { ip: '192.168.1.8' }, false],
    ['a /0 block holds every IPv4 address', { ip: [{ cidr: '0.0.0.0/0' }] }, { ip: '203.0.113.9' }, true],
    ['host bits in the block are ignored', { ip: [{ cidr: '10.0.0.77/24' }] }, { ip: '10.0.0.1' }, true],
    ['an IPv6 address inside the block matches', v6, { ip: '2001:db8:1::1' }, true],
    ['IPv6 hex digits are case-insensitive', v6, { ip: '2001:DB8:ffff::' }, true],
    ['an IPv6 address outside the block does not', v6, { ip: '2001:db9::1' }, false],
    ['a full eight-group IPv6 address', { ip: [{ cidr: '2001:db8::/64' }] }, { ip: '2001:0db8:0000:0000:0001:0002:0003:0004' }, true],
    ['an IPv4 address never matches an IPv6 block', v6, { ip: '10.0.0.1' }, false],
    ['an IPv4-mapped IPv6 address matches an IPv4 block', v4, withDetail({ sourceIPAddress: '::ffff:10.0.0.7' }), true],
    ['a string that is no IP address does not match', v4, withDetail({ sourceIPAddress: 'localhost' }), false],
    ['an out-of-range octet is no IP address', { ip: [{ cidr: '0.0.0.0/0' }] }, { ip: '10.0.0.256' }, false],
    ['a number does not match', { ip: [{ cidr: '0.0.0.0/0' }] }, { ip: 167772161 }, false],
    ['an address with a CIDR suffix is no address', v4, withDetail({ sourceIPAddress: '10.0.0.1/32' }), false],
  ]);
});

describe('exists', () => {
  const hasCount = { detail: { 'c-count': [{ exists: true }] } };
  const noCount = { detail: { 'c-count': [{ exists: false }] } };
  runCases([
    ['true matches a present field', hasCount, withDetail({ 'c-count': 3 }), true],
    ['true does not match a missing field', hasCount, withDetail({ state: 'running' }), false],
    ['true matches a null value', hasCount, withDetail({ 'c-count': null }), true],
    ['true does not match an object: exists looks at leaves', hasCount, withDetail({ 'c-count': { c1: 100 } }), false],
    ['false matches a missing field', noCount, withDetail({ state: ['initializing', 'running'] }), true],
    ['false does not match a present field', noCount, withDetail({ 'c-count': 3 }), false],
    ['false matches a field holding an object (the guide example)', noCount, withDetail({ 'c-count': { c1: 100 } }), true],
    ['false matches when the parent is missing', noCount, { source: 'aws.ec2' }, true],
    ['false matches an empty array', noCount, withDetail({ 'c-count': [] }), true],
    ['false is OR-ed with the other values of its list', { state: ['running', { exists: false }] }, { state: 'running' }, true],
    ['false OR-ed with a value still rejects other values', { state: ['running', { exists: false }] }, { state: 'stopped' }, false],
    [
      'false inside an array of objects: no element has the field',
      { items: { x: [{ exists: false }] } },
      { items: [{ y: 1 }, { y: 2 }] },
      true,
    ],
    [
      'false inside an array of objects: some element has it',
      { items: { x: [{ exists: false }] } },
      { items: [{ x: 1 }, { y: 2 }] },
      false,
    ],
    [
      'false next to a matched field looks at that element only',
      { items: { x: [{ exists: false }], y: [2] } },
      { items: [{ x: 1 }, { y: 2 }] },
      true,
    ],
    [
      'false next to a matched field fails when that element has it',
      { items: { x: [{ exists: false }], y: [2] } },
      { items: [{ x: 1, y: 2 }] },
      false,
    ],
  ]);
});

describe('wildcard', () => {
  runCases([
    ['a star in the middle', { source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleQueueService' }, true],
    ['a star matches the empty string', { source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleService' }, true],
    ['the literal parts must match', { source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleQueueServices' }, false],
    ['a leading star works as a suffix', { FileName: [{ wildcard: '*.png' }] }, { FileName: 'dir/a.png' }, true],
    ['stars match across slashes', { key: [{ wildcard: 'dir/*.png' }] }, { key: 'dir/sub/a.png' }, true],
    ['several stars', { title: [{ wildcard: '*Title*' }] }, { title: 'The Title Page' }, true],
    ['several stars need their parts in order', { path: [{ wildcard: 'a*b*c' }] }, { path: 'acb' }, false],
    ['prefix and suffix must not overlap', { v: [{ wildcard: 'ab*ba' }] }, { v: 'aba' }, false],
    ['no star means equality', { v: [{ wildcard: 'abc' }] }, { v: 'abcd' }, false],
    ['an escaped star is a literal star', { v: [{ wildcard: 'a\\*b' }] }, { v: 'a*b' }, true],
    ['an escaped star does not match other text', { v: [{ wildcard: 'a\\*b' }] }, { v: 'axb' }, false],
    ['an escaped backslash is a literal backslash', { v: [{ wildcard: 'C:\\\\*' }] }, { v: 'C:\\Windows' }, true],
    ['is case-sensitive', { v: [{ wildcard: '*.png' }] }, { v: 'a.PNG' }, false],
    ['never matches a number', { v: [{ wildcard: '1*' }] }, { v: 123 }, false],
  ]);
});

describe('$or', () => {
  const metrics = {
    source: ['aws.cloudwatch'],
    $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
  };
  const parallel = {
    $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
    detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
  };
  const andInsideOr = {
    source: ['aws.cloudwatch'],
    $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'] }, { scope: ['Service'] }],
  };
  const nestedOr = {
    source: ['aws.cloudwatch'],
    $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] }],
  };
  runCases([
    ['matches through the first alternative', metrics, { source: 'aws.cloudwatch', metricName: 'ReadLatency' }, true],
    ['matches through the second alternative', metrics, { source: 'aws.cloudwatch', namespace: 'AWS/ES' }, true],
    ['fails when no alternative matches', metrics, { source: 'aws.cloudwatch', metricName: 'Other', namespace: 'AWS/S3' }, false],
    ['is AND-ed with the other fields', metrics, { source: 'aws.ec2', metricName: 'CPUUtilization' }, false],
    ['two $or at different levels both hold', parallel, { namespace: 'AWS/EC2', detail: { source: 'aws.cloudwatch' } }, true],
    ['two $or at different levels: one fails', parallel, { namespace: 'AWS/EC2', detail: { source: 'aws.ec2' } }, false],
    [
      'an alternative with two fields needs both',
      andInsideOr,
      { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES' },
      false,
    ],
    [
      'an alternative with two fields matches with both',
      andInsideOr,
      { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' },
      true,
    ],
    ['a nested $or inside an alternative', nestedOr, { source: 'aws.cloudwatch', metricType: 'MetricType', spaceId: 1000 }, true],
    ['a nested $or that fails fails its alternative', nestedOr, { source: 'aws.cloudwatch', metricType: 'MetricType', spaceId: 1 }, false],
    ['alternatives with operators', { $or: [{ n: [{ numeric: ['>', 10] }] }, { s: [{ prefix: 'x' }] }] }, { n: 1, s: 'xyz' }, true],
    ['an alternative using exists: false', { $or: [{ optOut: [{ exists: false }] }, { optOut: [false] }] }, { optOut: false }, true],
    [
      'alternatives inside an array stay within one element',
      { items: { kind: ['a'], $or: [{ size: [1] }, { colour: ['red'] }] } },
      {
        items: [
          { kind: 'a', size: 2 },
          { kind: 'b', colour: 'red' },
        ],
      },
      false,
    ],
  ]);
});

describe('a combined pattern (the guide complex example)', () => {
  const pattern = {
    time: [{ prefix: '2017-10-02' }],
    detail: {
      state: [{ 'anything-but': 'initializing' }],
      'c-count': [{ numeric: ['>', 0, '<=', 5] }],
      'd-count': [{ numeric: ['<', 10] }],
      'x-limit': [{ 'anything-but': [100, 200, 300] }],
      'source-ip': [{ cidr: '10.0.0.0/8' }],
    },
  };
  const event = {
    time: '2017-10-02T16:24:49Z',
    detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8, 'source-ip': '10.0.0.33', state: 'running' },
  };
  runCases([
    ['matches when every field holds', pattern, event, true],
    ['fails on an excluded value', pattern, { ...event, detail: { ...event.detail, 'x-limit': 200 } }, false],
    ['fails on an address outside the block', pattern, { ...event, detail: { ...event.detail, 'source-ip': '11.0.0.1' } }, false],
  ]);
});

describe('invalid patterns', () => {
  const invalid: readonly (readonly [name: string, pattern: unknown, message: RegExp])[] = [
    ['a pattern that is not an object', 'source', /must be a JSON object/],
    ['a null pattern', null, /must be a JSON object/],
    ['an array as pattern', [{ source: ['a'] }], /must be a JSON object/],
    ['an empty pattern', {}, /at least one field/],
    ['an empty nested pattern', { detail: {} }, /^detail: .*at least one field/],
    ['a leaf that is not a list', { source: 'aws.ec2' }, /^source: must be a list/],
    ['a leaf that is a number', { detail: { n: 5 } }, /^detail\.n: must be a list/],
    ['an empty list', { source: [] }, /^source: .*must not be empty/],
    ['a nested list in a leaf', { source: [['aws.ec2']] }, /^source: a value to match must be/],
    ['an unknown operator', { detail: { type: [{ contains: 'Normal' }] } }, /^detail\.type: unknown operator "contains"/],
    ['an empty operator object', { source: [{}] }, /^source: an operator object must not be empty/],
    ['two operators in one object', { source: [{ prefix: 'a', suffix: 'b' }] }, /^source: an operator object holds one operator/],
    ['prefix with a number', { source: [{ prefix: 1 }] }, /"prefix" needs a string/],
    [
      'prefix with an unknown option',
      { source: [{ prefix: { 'ignore-case': 'a' } }] },
      /"prefix" needs a string or \{"equals-ignore-case": string\}/,
    ],
    ['prefix ignoring case of a number', { source: [{ prefix: { 'equals-ignore-case': 1 } }] }, /"prefix" needs/],
    ['suffix with a list', { source: [{ suffix: ['.png'] }] }, /"suffix" needs a string/],
    ['equals-ignore-case with a number', { source: [{ 'equals-ignore-case': 5 }] }, /"equals-ignore-case" needs a string/],
    ['a non-finite number', { n: [Number.NaN] }, /must be finite/],
    [
      'numeric with a string operand',
      { detail: { price: [{ numeric: ['>', '5'] }] } },
      /^detail\.price: numeric operator ">" needs a number/,
    ],
    ['numeric that is not a list', { n: [{ numeric: 5 }] }, /"numeric" needs a list/],
    ['numeric with an empty list', { n: [{ numeric: [] }] }, /"numeric" needs a list/],
    ['numeric with an unknown operator', { n: [{ numeric: ['!=', 1] }] }, /numeric operator must be one of/],
    ['numeric with a missing number', { n: [{ numeric: ['>', 1, '<'] }] }, /one or two operator-number pairs/],
    ['numeric with three pairs', { n: [{ numeric: ['>', 1, '<', 5, '<', 6] }] }, /one or two operator-number pairs/],
    ['numeric with two lower bounds', { n: [{ numeric: ['>', 1, '>=', 2] }] }, /one lower bound .* and one upper bound/],
    ['numeric "=" combined with a bound', { n: [{ numeric: ['=', 1, '<', 2] }] }, /"=" cannot be combined/],
    ['numeric with an empty range', { n: [{ numeric: ['>', 5, '<', 1] }] }, /numeric range is empty/],
    ['numeric with an open range of one value', { n: [{ numeric: ['>', 5, '<=', 5] }] }, /numeric range is empty/],
    ['numeric with the upper bound below the lower', { n: [{ numeric: ['>', 10, '<', 5] }] }, /numeric range is empty: > 10 and < 5/],
    ['numeric with an open upper bound on the lower one', { n: [{ numeric: ['>=', 5, '<', 5] }] }, /numeric range is empty/],
    ['numeric with an infinite bound', { n: [{ numeric: ['<', Number.POSITIVE_INFINITY] }] }, /needs a finite number/],
    ['cidr without a prefix length', { ip: [{ cidr: '10.0.0.0' }] }, /"cidr" needs an IPv4 or IPv6 block/],
    ['cidr with a too long IPv4 prefix', { ip: [{ cidr: '10.0.0.0/33' }] }, /at most 32/],
    ['cidr with a too long IPv6 prefix', { ip: [{ cidr: '2001:db8::/129' }] }, /at most 128/],
    ['cidr with a bad octet', { ip: [{ cidr: '300.0.0.0/8' }] }, /"cidr" needs/],
    ['cidr with two "::"', { ip: [{ cidr: '1::2::3/64' }] }, /"cidr" needs/],
    ['cidr with a negative prefix', { ip: [{ cidr: '10.0.0.0/-1' }] }, /"cidr" needs/],
    ['cidr with a number', { ip: [{ cidr: 10 }] }, /"cidr" needs a string/],
    ['exists with a string', { detail: { state: [{ exists: 'yes' }] } }, /^detail\.state: "exists" needs true or false/],
    ['anything-but with a mixed list', { x: [{ 'anything-but': ['a', 1] }] }, /only strings or only finite numbers/],
    ['anything-but with an empty list', { x: [{ 'anything-but': [] }] }, /list must not be empty/],
    ['anything-but with a boolean', { x: [{ 'anything-but': true }] }, /"anything-but" needs/],
    ['anything-but with null', { x: [{ 'anything-but': null }] }, /"anything-but" needs/],
    ['anything-but with an unknown operator', { x: [{ 'anything-but': { regexp: 'a' } }] }, /"anything-but" takes one of/],
    ['anything-but with two operators', { x: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] }, /"anything-but" takes one of/],
    ['anything-but prefix with a number', { x: [{ 'anything-but': { prefix: 1 } }] }, /"anything-but prefix" needs a string/],
    [
      'anything-but with an empty prefix',
      { x: [{ 'anything-but': { prefix: '' } }] },
      /^x: "anything-but prefix" must not be an empty string/,
    ],
    [
      'anything-but with an empty suffix',
      { x: [{ 'anything-but': { suffix: '' } }] },
      /^x: "anything-but suffix" must not be an empty string/,
    ],
    [
      'anything-but with an empty prefix in a list',
      { x: [{ 'anything-but': { prefix: ['a', ''] } }] },
      /"anything-but prefix" must not be an empty string/,
    ],
    [
      'anything-but with an empty suffix in a list',
      { x: [{ 'anything-but': { suffix: ['', '.png'] } }] },
      /"anything-but suffix" must not be an empty string/,
    ],
    ['anything-but numeric', { x: [{ 'anything-but': { numeric: ['>', 1] } }] }, /"anything-but" takes one of/],
    ['wildcard with consecutive stars', { v: [{ wildcard: 'a**b' }] }, /consecutive "\*"/],
    ['wildcard escaping another character', { v: [{ wildcard: 'a\\b' }] }, /a backslash may only escape/],
    ['wildcard ending in a backslash', { v: [{ wildcard: 'a\\' }] }, /a backslash may only escape/],
    ['anything-but wildcard with consecutive stars', { v: [{ 'anything-but': { wildcard: ['ok*', 'a**'] } }] }, /consecutive/],
    ['wildcard with a number', { v: [{ wildcard: 1 }] }, /"wildcard" needs a string/],
    ['an empty $or', { $or: [] }, /^\$or: "\$or" needs a list of at least two/],
    ['a $or with one alternative', { $or: [{ source: ['a'] }] }, /at least two/],
    ['a $or that is an object', { $or: { source: ['a'] } }, /at least two/],
    ['a $or with a scalar alternative', { $or: ['aws.ec2', { source: ['a'] }] }, /^\$or\[0\]: a pattern must be a JSON object/],
    ['an invalid leaf inside $or', { detail: { $or: [{ a: ['x'] }, { b: 'y' }] } }, /^detail\.\$or\[1\]\.b: must be a list/],
  ];

  it.each(invalid)('rejects %s', (_name, pattern, message) => {
    const thrown = (() => {
      try {
        validateEventPattern(pattern);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(InvalidEventPatternError);
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toMatch(message);
  });

  it('names the error class and keeps the path', () => {
    const pattern = { detail: { price: [{ numeric: ['>', 'cheap'] }] } };
    expect(() => validateEventPattern(pattern)).toThrow(
      expect.objectContaining({ name: 'InvalidEventPatternError', path: 'detail.price' }),
    );
  });

  it('matchesEventPattern refuses an invalid pattern, every time it is asked', () => {
    const pattern = { source: 'aws.ec2' };
    expect(() => matchesEventPattern(pattern, ec2Event)).toThrow(InvalidEventPatternError);
    expect(() => matchesEventPattern(pattern, ec2Event)).toThrow(InvalidEventPatternError);
  });

  it('accepts every operator the guide documents', () => {
    const pattern = {
      source: ['aws.ec2', 5, true, null, ''],
      a: [{ prefix: 'x' }, { prefix: { 'equals-ignore-case': 'x' } }, { suffix: 'x' }, { suffix: { 'equals-ignore-case': 'x' } }],
      b: [{ 'equals-ignore-case': 'x' }, { wildcard: 'x*y\\*z\\\\' }, { cidr: '10.0.0.0/24' }, { cidr: 'fe80::/10' }],
      c: [{ numeric: ['>', 0, '<=', 5] }, { numeric: ['=', 3.018e2] }, { exists: true }, { exists: false }],
      d: [
        { 'anything-but': 'x' },
        { 'anything-but': 1 },
        { 'anything-but': ['x', 'y'] },
        { 'anything-but': [1, 2] },
        { 'anything-but': { prefix: 'x' } },
        { 'anything-but': { suffix: 'x' } },
        { 'anything-but': { wildcard: '*x*' } },
        { 'anything-but': { 'equals-ignore-case': ['x', 'Y'] } },
      ],
      $or: [{ e: ['1'] }, { f: { $or: [{ g: ['2'] }, { h: ['3'] }] } }],
    };
    expect(() => validateEventPattern(pattern)).not.toThrow();
  });
});

describe('the compiled pattern is cached per pattern object', () => {
  it('gives the same answers when the same pattern routes many events', () => {
    const pattern = { detail: { n: [{ numeric: ['>', 10] }] } };
    const results = [5, 15, 10, 11].map((n) => matchesEventPattern(pattern, { detail: { n } }));
    expect(results).toEqual([false, true, false, true]);
  });
});

describe('properties', () => {
  const present = (value: string): object => ({ detail: { field: value } });

  it('anything-but [x] is the negation of [x] for a present string field', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.boolean(), (x, other, same) => {
        const value = same ? x : other;
        const positive = matchesEventPattern({ detail: { field: [x] } }, present(value));
        const negative = matchesEventPattern({ detail: { field: [{ 'anything-but': [x] }] } }, present(value));
        expect(negative).toBe(!positive);
        expect(positive).toBe(value === x);
      }),
      { numRuns: 2000 },
    );
  });

  it('anything-but prefix is the negation of prefix for a present string field', () => {
    fc.assert(
      // At least one character: EventBridge refuses an empty anything-but prefix (see the invalid patterns).
      fc.property(fc.string({ minLength: 1, maxLength: 3 }), fc.string({ maxLength: 6 }), (prefix, value) => {
        const positive = matchesEventPattern({ detail: { field: [{ prefix }] } }, present(value));
        const negative = matchesEventPattern({ detail: { field: [{ 'anything-but': { prefix } }] } }, present(value));
        expect(positive).toBe(value.startsWith(prefix));
        expect(negative).toBe(!positive);
      }),
      { numRuns: 2000 },
    );
  });

  it('a numeric range agrees with plain comparisons', () => {
    const number = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 });
    fc.assert(
      fc.property(number, number, number, (a, b, n) => {
        fc.pre(a < b);
        const matched = matchesEventPattern({ n: [{ numeric: ['>=', a, '<', b] }] }, { n });
        expect(matched).toBe(n >= a && n < b);
      }),
      { numRuns: 2000 },
    );
  });

  const escapeWildcard = (text: string): string => text.replace(/[\\*]/g, (char) => `\\${char}`);

  it('an escaped string used as a wildcard matches exactly that string', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '*', '\\'), maxLength: 8 });
    fc.assert(
      fc.property(text, text, (s, t) => {
        expect(matchesEventPattern({ v: [{ wildcard: escapeWildcard(s) }] }, { v: t })).toBe(s === t);
      }),
      { numRuns: 2000 },
    );
  });

  it('head*tail matches every string that starts with head and ends with tail', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '*', '\\'), maxLength: 5 });
    fc.assert(
      fc.property(text, text, text, (head, middle, tail) => {
        const wildcard = `${escapeWildcard(head)}*${escapeWildcard(tail)}`;
        expect(matchesEventPattern({ v: [{ wildcard }] }, { v: head + middle + tail })).toBe(true);
        const candidate = middle + tail;
        const expected = candidate.length >= head.length + tail.length && candidate.startsWith(head) && candidate.endsWith(tail);
        expect(matchesEventPattern({ v: [{ wildcard }] }, { v: candidate })).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('$or of two patterns matches exactly when one of them does', () => {
    const value = fc.constantFrom('a', 'b', 'c');
    const event = fc.record({ x: value, y: value }, { requiredKeys: [] });
    fc.assert(
      fc.property(value, value, event, (x, y, e) => {
        const left = { x: [x] };
        const right = { y: [y] };
        const either = matchesEventPattern({ $or: [left, right] }, e);
        expect(either).toBe(matchesEventPattern(left, e) || matchesEventPattern(right, e));
      }),
      { numRuns: 1000 },
    );
  });
});
