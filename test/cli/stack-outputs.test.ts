import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { readMain } from '../../local/cli/read/commands.ts';
import { STACK_OUTPUTS } from '../../local/cli/read/target.ts';
import { grantDetail, ids } from '../support/fixtures.ts';
import { tables, world } from '../support/harness.ts';
import { inject } from 'vitest';

/**
 * A stand-in for CloudFormation that speaks its query protocol (form-encoded POST, XML
 * answer), so `--stack` is resolved by the real SDK without calling AWS.
 */
function cloudFormation(stacks: Record<string, Record<string, string>>) {
  const requests: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      requests.push(form);
      const outputs = stacks[form.get('StackName') ?? ''];
      res.setHeader('content-type', 'text/xml');
      if (form.get('Action') !== 'DescribeStacks' || outputs === undefined) {
        res.statusCode = 400;
        res.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${form.get('StackName')} does not exist</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
        );
        return;
      }
      const members = Object.entries(outputs)
        .map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`)
        .join('');
      res.end(
        `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>` +
          `<StackName>${form.get('StackName')}</StackName><StackId>arn:aws:cloudformation:us-east-1:000000000000:stack/x/1</StackId>` +
          `<CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs>` +
          `</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
    });
  });
  return { server, requests };
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), width: 120 } };
}

describe('--stack', () => {
  const cf = cloudFormation({
    TwinGuard: { [STACK_OUTPUTS.consent]: tables.consent, [STACK_OUTPUTS.audit]: tables.audit, [STACK_OUTPUTS.bus]: 'twinguard' },
    Old: { SomethingElse: 'x' },
  });
  let endpoint = '';
  // The SDK reads the usual chain: keys in the environment stand for the user's own.
  const withKeys = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };
  beforeAll(async () => {
    await new Promise<void>((r) => cf.server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(cf.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => cf.server.close(() => r())));

  it('reads the table names from the stack outputs (DescribeStacks) and answers from those tables', async () => {
    const w = world('2035-06-10T12:00:00Z');
    const id = ids();
    await w.send('Consent Granted', grantDetail({ grantId: id.grant, twinId: id.twin, validUntil: '2036-01-01T00:00:00Z' }));
    const run = capture();
    const args = [
      '--twin',
      id.twin,
      '--stack',
      'TwinGuard',
      '--cloudformation-endpoint',
      endpoint,
      '--dynamodb-endpoint',
      inject('dynamoEndpoint'),
      '--json',
    ];
    // --dynamodb-endpoint alone does not name tables: they come from the stack.
    expect(await readMain('status', args, run.io, withKeys)).toBe(0);
    expect(cf.requests.at(-1)?.get('Action')).toBe('DescribeStacks');
    expect(cf.requests.at(-1)?.get('StackName')).toBe('TwinGuard');
    const answer = JSON.parse(run.out.join(''));
    expect(answer.grants.map((g: { grantId: string }) => g.grantId)).toEqual([id.grant]);
  });

  it('exits 1 saying what to do: unknown stack, stack without the outputs, no credentials', async () => {
    const missing = capture();
    expect(await readMain('status', ['--twin', 'x', '--stack', 'Nope', '--cloudformation-endpoint', endpoint], missing.io, withKeys)).toBe(
      1,
    );
    expect(missing.err.join('\n')).toContain('stack Nope does not exist in us-east-1: check --stack and --region');

    const old = capture();
    expect(await readMain('status', ['--twin', 'x', '--stack', 'Old', '--cloudformation-endpoint', endpoint], old.io, withKeys)).toBe(1);
    expect(old.err.join('\n')).toContain('has no single ConsentTableName and AuditTableName output');

    const asked = cf.requests.length;
    const noKeys = capture();
    const env = {
      AWS_REGION: 'eu-north-1',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const saved = { ...process.env };
    // The SDK's credential chain reads process.env itself.
    for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
    Object.assign(process.env, env);
    try {
      expect(await readMain('status', ['--twin', 'x', '--stack', 'TwinGuard', '--cloudformation-endpoint', endpoint], noKeys.io, env)).toBe(
        1,
      );
    } finally {
      for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
      Object.assign(process.env, saved);
    }
    expect(noKeys.err.join('\n')).toContain('no AWS credentials to read stack TwinGuard: configure them');
    expect(cf.requests.length).toBe(asked);
  });

  it('exits 2 on a stack name CloudFormation would refuse, before any call', async () => {
    const run = capture();
    const asked = cf.requests.length;
    expect(await readMain('status', ['--twin', 'x', '--stack', 'no spaces', '--cloudformation-endpoint', endpoint], run.io, withKeys)).toBe(
      2,
    );
    expect(run.err.join('\n')).toContain('--stack takes a CloudFormation stack name');
    expect(cf.requests.length).toBe(asked);
  });

  it('the stack declares the outputs the CLI reads', () => {
    const { stack } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
    const outputs = Template.fromStack(stack).findOutputs('*');
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining([STACK_OUTPUTS.consent, STACK_OUTPUTS.audit, STACK_OUTPUTS.bus]));
  });
});
