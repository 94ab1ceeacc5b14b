import { App, Aws, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { TwinGuardPropsError } from '../../infra/errors.ts';
import { TwinGuard, type TwinGuardProps } from '../../infra/twinguard.ts';
import { policiesByFunction } from '../support/iam-policies.ts';

// Bundling is skipped: these tests read the template, not the bundles.
const app = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

const AGENCY = '111111111111';
const STUDIO = '222222222222';
const INSTAGRAM = '333333333333';
const OWN = '123456789012';

const actions = (s: any): string[] => [s.Action].flat();
const onTable = (s: any, table: 'ConsentTable' | 'AuditTable') => JSON.stringify(s.Resource).includes(table);
const prefixes = (s: any): string[] => s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? ['(any key)'];

/** What each function may write where, as the test expects it: the least each one's work needs. */
const EXPECTED_WRITES: Record<string, { consent: string[]; deletes?: string[]; audit: string[]; emits: string[]; batch?: true }> = {
  'consent-granted': {
    consent: ['RECEIPT#*', 'GRANT#*', 'TWIN#*', 'DUE#*', 'DIRECTORY#*'],
    audit: ['TWIN#*', 'LOG#PENDING#*'],
    emits: ['Event Rejected', 'Reevaluation Requested'],
  },
  'consent-revoked': {
    consent: ['RECEIPT#*', 'GRANT#*', 'TWIN#*', 'DUE#*'],
    audit: ['TWIN#*', 'LOG#PENDING#*'],
    emits: ['Event Rejected', 'Reevaluation Requested'],
  },
  'render-requested': {
    consent: ['RECEIPT#*'],
    audit: ['TWIN#*', 'TALENT#*', 'LOG#PENDING#*'],
    emits: ['Event Rejected', 'Render Approved', 'Render Denied', 'Usage Recorded'],
  },
  'publication-requested': {
    consent: ['RECEIPT#*', 'PUBLICATION#*', 'ASSET#*'],
    audit: ['TWIN#*', 'LOG#PENDING#*'],
    emits: ['Event Rejected', 'Publication Approved', 'Publication Denied'],
  },
  'asset-published': {
    consent: ['RECEIPT#*', 'PLACEMENT#*', 'TWIN#*', 'GRANT#*', 'TAKEDOWN#*', 'DUE#*'],
    audit: ['TWIN#*', 'TALENT#*', 'LOG#PENDING#*'],
    emits: ['Event Rejected', 'Takedown Requested', 'Usage Recorded'],
  },
  'takedown-reported': { consent: ['RECEIPT#*', 'PLACEMENT#*', 'DUE#*'], audit: ['TWIN#*', 'LOG#PENDING#*'], emits: ['Event Rejected'] },
  'wrong-source': { consent: ['RECEIPT#*'], audit: [], emits: ['Event Rejected'] },
  'reevaluate-placements': {
    consent: ['JOB#*', 'PLACEMENT#*', 'TAKEDOWN#*', 'DUE#*', 'GRANT#*'],
    audit: ['TWIN#*', 'LOG#PENDING#*'],
    emits: ['Takedown Requested', 'Reevaluation Requested'],
    batch: true,
  },
  'takedown-webhook': {
    consent: ['RECEIPT#*', 'DELIVERY#*', 'DUE#*', 'PLACEMENT#*'],
    audit: ['TWIN#*', 'LOG#PENDING#*'],
    emits: ['Takedown Completed', 'Takedown Failed'],
  },
  'sweep-due': {
    consent: ['RECEIPT#*', 'PLACEMENT#*', 'DUE#*', 'CERTIFICATE#*'],
    deletes: ['DUE#*'],
    // Issuing a certificate of removal reads the grant's placements in batches.
    batch: true,
    audit: ['TWIN#*', 'LOG#PENDING#*'],
    emits: [
      'Takedown Overdue',
      'Takedown Delivery Due',
      'Reevaluation Requested',
      'Removal Verified',
      'Removal Unverified',
      'Removal Certificate Issued',
    ],
  },
};

describe('each function’s policy, read from the synthesized template', () => {
  let byFunction: Record<string, any[]>;
  beforeAll(() => {
    byFunction = policiesByFunction(Template.fromStack(buildApp(app()).stack));
  });

  it('covers every function', () => {
    expect(Object.keys(byFunction).sort()).toEqual([...Object.keys(EXPECTED_WRITES), 'seal-log', 'log-public-key'].sort());
  });

  it.each(Object.entries(EXPECTED_WRITES))('%s writes only its own kinds of items', (name, expected) => {
    const statements = byFunction[name]!;
    const dynamo = statements.filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')));
    const reads = dynamo.filter((s) => actions(s).includes('dynamodb:GetItem'));
    expect(reads).toHaveLength(1);
    expect(actions(reads[0]).sort()).toEqual(
      ['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query', ...(expected.batch ? ['dynamodb:BatchGetItem'] : [])].sort(),
    );
    expect(onTable(reads[0], 'ConsentTable')).toBe(true);

    const consentWrites = dynamo.filter((s) => onTable(s, 'ConsentTable') && actions(s).includes('dynamodb:PutItem'));
    expect(consentWrites).toHaveLength(1);
    expect(actions(consentWrites[0]).sort()).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(prefixes(consentWrites[0]).sort()).toEqual([...expected.consent].sort());

    const deletes = dynamo.filter((s) => actions(s).includes('dynamodb:DeleteItem'));
    expect(deletes.flatMap(prefixes)).toEqual(expected.deletes ?? []);

    const audit = dynamo.filter((s) => onTable(s, 'AuditTable'));
    // Who appends records also puts the transaction's log marker and checks the log's fence, nothing more.
    expect(audit.flatMap(actions)).toEqual(expected.audit.length === 0 ? [] : ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem']);
    const [appends, checks] = audit;
    expect(appends === undefined ? [] : prefixes(appends).sort()).toEqual([...expected.audit].sort());
    expect(checks === undefined ? [] : prefixes(checks)).toEqual(expected.audit.length === 0 ? [] : ['LOG#FENCE#*']);

    // Nothing else of DynamoDB: no Scan, no BatchWriteItem, no wildcard.
    expect(dynamo).toHaveLength(2 + audit.length + deletes.length);
  });

  it('the sealer reads and writes only the log’s items of the audit table, and the JWKS function no table at all', () => {
    const dynamo = (name: string) => byFunction[name]!.filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo('seal-log').map((s) => [actions(s), onTable(s, 'AuditTable'), prefixes(s)])).toEqual([
      [['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'], true, ['LOG#*']],
      [['dynamodb:PutItem'], true, ['LOG#*']],
    ]);
    expect(dynamo('log-public-key')).toEqual([]);
    for (const name of ['seal-log', 'log-public-key']) {
      expect(byFunction[name]!.filter((s) => actions(s).some((a) => a.startsWith('events:')))).toEqual([]);
    }
  });

  it.each(Object.entries(EXPECTED_WRITES))('%s may put only TwinGuard’s own source and its own detail-types', (name, expected) => {
    const puts = byFunction[name]!.filter((s) => actions(s).some((a) => a.startsWith('events:')));
    expect(puts).toHaveLength(1);
    expect(puts[0].Action).toBe('events:PutEvents');
    expect(puts[0].Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Bus/), 'Arn'] });
    expect(puts[0].Condition).toEqual({
      'ForAllValues:StringEquals': { 'events:source': ['twinguard'] },
      StringEquals: { 'events:detail-type': expect.arrayContaining(expected.emits) },
    });
    expect(puts[0].Condition.StringEquals['events:detail-type']).toHaveLength(expected.emits.length);
  });
});

function busPolicies(template: Template): any[] {
  return Object.values(template.findResources('AWS::Events::EventBusPolicy')).map((r) => r.Properties.Statement);
}

describe('the bus policy', () => {
  it('by default lets no other account in and keeps `source: twinguard` to TwinGuard’s functions', () => {
    const template = Template.fromStack(buildApp(app()).stack);
    const statements = busPolicies(template);
    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([]);
    const [deny, ...more] = statements;
    expect(more).toEqual([]);
    expect(deny).toMatchObject({
      Effect: 'Deny',
      Principal: '*',
      Action: 'events:PutEvents',
      Condition: { 'ForAnyValue:StringEquals': { 'events:source': ['twinguard'] } },
    });
    // Exempt: the role of each function that puts events; the sealer and the JWKS reader put none.
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    const silent = ['functions/seal-log.ts', 'functions/log-public-key.ts'];
    const roleOf = (f: any) => f.Properties.Role['Fn::GetAtt'][0];
    const emitting = functions.filter((f) => !silent.includes(f.Metadata?.['TwinGuard:Handler'])).map(roleOf);
    const exempt = deny.Condition.ArnNotEquals['aws:PrincipalArn'].map((r: any) => r['Fn::GetAtt'][0]);
    expect(exempt.sort()).toEqual(emitting.sort());
    const silentRoles = functions.filter((f) => silent.includes(f.Metadata?.['TwinGuard:Handler'])).map(roleOf);
    expect(silentRoles).toHaveLength(2);
    for (const role of silentRoles) expect(exempt).not.toContain(role);
  });

  it('lets each role’s other accounts put only that role’s source and detail-types, and routes them', () => {
    const stack = new Stack(app(), 'Roles', { env: { account: OWN, region: 'eu-north-1' } });
    new TwinGuard(stack, 'TwinGuard', {
      roles: { consent: { accounts: [AGENCY] }, studio: { accounts: [OWN, STUDIO] }, channel: { accounts: [OWN, INSTAGRAM] } },
      channelSenders: { instagram: [INSTAGRAM], web: [] },
    });
    const template = Template.fromStack(stack);
    const allows = busPolicies(template).filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(3);
    const allowOf = (account: string) => allows.find((s) => JSON.stringify(s.Principal).includes(account));
    expect(allowOf(AGENCY)).toMatchObject({
      Action: 'events:PutEvents',
      Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${AGENCY}:root`]] } },
      Condition: {
        'ForAllValues:StringEquals': { 'events:source': ['twinguard.consent'] },
        StringEquals: { 'events:detail-type': ['Consent Granted', 'Consent Revoked'] },
      },
    });
    expect(allowOf(STUDIO).Condition.StringEquals['events:detail-type']).toEqual(['Render Requested']);
    expect(allowOf(INSTAGRAM).Condition).toEqual({
      'ForAllValues:StringEquals': { 'events:source': ['twinguard.channel'] },
      StringEquals: { 'events:detail-type': ['Asset Published', 'Takedown Completed', 'Takedown Failed'] },
    });
    // The stack's own account is governed by its IAM policies: no Allow for it.
    expect(JSON.stringify(allows)).not.toContain(`${OWN}:root`);

    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['Consent Granted'], source: ['twinguard.consent'], account: [AGENCY] },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['Render Requested'], source: ['twinguard.studio'], account: [OWN, STUDIO] },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'detail-type': ['Consent Granted', 'Consent Revoked'],
        $or: [
          { source: [{ 'anything-but': ['twinguard.consent', 'twinguard'] }] },
          { source: ['twinguard.consent'], account: [{ 'anything-but': [AGENCY] }] },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ACCOUNTS_CONSENT: AGENCY,
          ACCOUNTS_STUDIO: `${OWN},${STUDIO}`,
          ACCOUNTS_PUBLISHER: OWN,
          ACCOUNTS_CHANNEL: `${OWN},${INSTAGRAM}`,
          CHANNEL_SENDERS: JSON.stringify({ instagram: [INSTAGRAM], web: [] }),
        }),
      },
    });
  });

  it('allows named principals of the own account and denies the role’s source to every other principal of it', () => {
    const stack = new Stack(app(), 'Principals', { env: { account: OWN, region: 'eu-north-1' } });
    const legal = `arn:aws:iam::${OWN}:role/legal-system`;
    new TwinGuard(stack, 'TwinGuard', { roles: { consent: { principals: [legal] } } });
    const statements = busPolicies(Template.fromStack(stack));
    expect(statements.find((s) => s.Effect === 'Allow')).toMatchObject({
      Principal: { AWS: legal },
      Condition: { 'ForAllValues:StringEquals': { 'events:source': ['twinguard.consent'] } },
    });
    expect(statements.find((s) => s.Effect === 'Deny' && JSON.stringify(s).includes('twinguard.consent'))).toMatchObject({
      Principal: '*',
      Condition: {
        'ForAnyValue:StringEquals': { 'events:source': ['twinguard.consent'] },
        StringEquals: { 'aws:PrincipalAccount': [OWN] },
        ArnNotEquals: { 'aws:PrincipalArn': [legal] },
      },
    });
  });

  it('puts its statements on a bus it is given, under ids of its own', () => {
    const stack = new Stack(app(), 'Shared');
    const bus = new EventBus(stack, 'BrandBus', { eventBusName: 'brand-bus' });
    new TwinGuard(stack, 'TwinGuard', { eventBus: bus, roles: { consent: { accounts: [AGENCY] } } });
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::Events::EventBusPolicy'));
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect(policy.Properties.EventBusName).toEqual({ Ref: expect.stringMatching(/^BrandBus/) });
      // Unique per bus, within EventBridge's limits, and not the brand's own statements' ids.
      expect(policy.Properties.StatementId).toMatch(/^twinguard-[0-9a-f]{12}-[a-z-]+$/);
      expect(policy.Properties.StatementId.length).toBeLessThanOrEqual(64);
    }
  });
});

describe('role props are checked at synth', () => {
  const refused = (props: TwinGuardProps, env?: { account: string; region: string }): string => {
    const stack = new Stack(app(), 'Refused', env === undefined ? {} : { env });
    try {
      new TwinGuard(stack, 'TwinGuard', props);
    } catch (error) {
      expect(error).toBeInstanceOf(TwinGuardPropsError);
      return (error as Error).message;
    }
    throw new Error('the props were accepted');
  };

  it.each<[string, TwinGuardProps, string]>([
    [
      'an empty account list',
      { roles: { consent: { accounts: [] } } },
      'roles.consent.accounts is empty: nobody could act as the consent role',
    ],
    [
      'an account id that is not one',
      { roles: { studio: { accounts: ['12345'] } } },
      'roles.studio.accounts: "12345" is not a 12-digit AWS account id',
    ],
    ['an account listed twice', { roles: { studio: { accounts: [STUDIO, STUDIO] } } }, `roles.studio.accounts lists ${STUDIO} twice`],
    ['a role that does not exist', { roles: { legal: { accounts: [AGENCY] } } as never }, 'roles.legal is not a role'],
    [
      'a principal that is not an ARN',
      { roles: { consent: { principals: ['legal-system'] } } },
      '"legal-system" is not an IAM role or user ARN',
    ],
    [
      'a channel sender outside the channel role',
      { channelSenders: { instagram: [INSTAGRAM] } },
      `channelSenders.instagram: ${INSTAGRAM} is not one of roles.channel.accounts`,
    ],
    [
      'a role source that is TwinGuard’s own',
      { sources: { studio: 'twinguard' } },
      'sources.studio is "twinguard", TwinGuard\'s own source',
    ],
    [
      'two roles with one source',
      { sources: { studio: 'brand.ai', publisher: 'brand.ai' } },
      'sources.studio and sources.publisher are both "brand.ai"',
    ],
    ['a source reserved for AWS', { sources: { channel: 'aws.s3' } }, 'sources.channel starts with "aws."'],
  ])('refuses %s', (_what, props, message) => {
    expect(refused(props)).toContain(message);
  });

  it('refuses a principal of another account, and principals when the own account is not in the role', () => {
    const env = { account: OWN, region: 'eu-north-1' };
    expect(refused({ roles: { consent: { principals: [`arn:aws:iam::${AGENCY}:role/legal`] } } }, env)).toContain(
      `is in account ${AGENCY}; principals are for this stack's own account (${OWN})`,
    );
    expect(refused({ roles: { consent: { accounts: [AGENCY], principals: [`arn:aws:iam::${OWN}:role/legal`] } } }, env)).toContain(
      'which roles.consent.accounts does not include',
    );
  });

  it('names every problem at once, and the construct', () => {
    const message = refused({ roles: { consent: { accounts: [] }, studio: { accounts: ['x'] } }, sources: { channel: 'twinguard' } });
    expect(message).toMatch(/^TwinGuard Refused\/TwinGuard: /);
    for (const part of ['sources.channel', 'roles.consent.accounts', 'roles.studio.accounts']) expect(message).toContain(part);
  });

  it('accepts the own account as a token, and principals of it, in an environment-agnostic stack', () => {
    const stack = new Stack(app(), 'Agnostic');
    expect(
      () =>
        new TwinGuard(stack, 'TwinGuard', {
          roles: { consent: { accounts: [Aws.ACCOUNT_ID, AGENCY], principals: [`arn:aws:iam::${OWN}:role/legal`] } },
        }),
    ).not.toThrow();
  });
});
