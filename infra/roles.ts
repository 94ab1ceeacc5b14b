import { Stack, Token } from 'aws-cdk-lib';
import { CfnEventBusPolicy, type IEventBus } from 'aws-cdk-lib/aws-events';
import { AccountPrincipal, ArnPrincipal, Effect, PolicyStatement, StarPrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { TWINGUARD_SOURCE } from '../shared/model/events/envelope.ts';
import { ACCOUNT_ID, INBOUND_ROLES, type InboundDetailType, type Role, type RoleSources } from '../shared/model/events/roles.ts';
import { TwinGuardPropsError } from './errors.ts';

/** Who may act in one role. */
export interface RoleMembers {
  /**
   * The AWS accounts whose events count in this role. EventBridge stamps each event with the
   * account of the credentials that put it, so this, unlike `source`, cannot be forged.
   * Other accounts get no PutEvents permission for the role's `source` on the bus (when
   * TwinGuard creates the bus or is given one, the bus policy says so), and an event of the
   * role from any other account is answered with `Event Rejected`. Give
   * `Stack.of(this).account` (or `Aws.ACCOUNT_ID`) for the stack's own account.
   * @default [the stack's own account]
   */
  readonly accounts?: string[];
  /**
   * IAM roles or users of the stack's own account (ARNs) that may put this role's events.
   * Given, the bus policy allows them and denies the role's `source` to every other
   * principal of the account; `accounts` must then include the stack's own account. Other
   * accounts' principals are for those accounts to restrict.
   * @default any principal of the stack's own account that its IAM policies allow to put events on the bus
   */
  readonly principals?: string[];
}

export type RolesProps = Partial<Record<Role, RoleMembers>>;

/** The roles as the construct uses them: accounts and principals for each, checked. */
export interface ResolvedRoles {
  accounts: Record<Role, string[]>;
  principals: Record<Role, string[]>;
  channelSenders: Record<string, string[]>;
}

export const ROLES = ['consent', 'studio', 'publisher', 'channel'] as const satisfies readonly Role[];

/** The detail-types a role sends. */
export function detailTypesOf(role: Role): InboundDetailType[] {
  return (Object.keys(INBOUND_ROLES) as InboundDetailType[]).filter((t) => INBOUND_ROLES[t] === role);
}

const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):(role|user)\/.+$/;

/**
 * Checks the role props and fills in the defaults; every problem is named at once, as a
 * TwinGuardPropsError at synth, rather than a bus that quietly lets the wrong sender in.
 */
export function resolveRoles(
  scope: Construct,
  props: { roles?: RolesProps; channelSenders?: Record<string, string[]>; sources: RoleSources },
): ResolvedRoles {
  const own = Stack.of(scope).account;
  const problems: string[] = [...sourceProblems(props.sources)];
  const accounts = {} as Record<Role, string[]>;
  const principals = {} as Record<Role, string[]>;
  for (const name of Object.keys(props.roles ?? {})) {
    if (!(ROLES as readonly string[]).includes(name)) problems.push(`roles.${name} is not a role: the roles are ${ROLES.join(', ')}.`);
  }
  for (const role of ROLES) {
    const members = props.roles?.[role];
    accounts[role] = members?.accounts === undefined ? [own] : [...members.accounts];
    principals[role] = [...(members?.principals ?? [])];
    problems.push(...accountProblems(`roles.${role}.accounts`, accounts[role], role));
    problems.push(...principalProblems(role, principals[role], accounts[role], own));
  }
  const channelSenders: Record<string, string[]> = {};
  for (const [channel, senders] of Object.entries(props.channelSenders ?? {})) {
    if (channel.trim() === '') problems.push('channelSenders has an empty channel name.');
    channelSenders[channel] = [...senders];
    for (const account of senders) {
      if (!accounts.channel.includes(account)) {
        problems.push(
          `channelSenders.${channel}: ${describe(account, own)} is not one of roles.channel.accounts, so its reports would never be accepted.`,
        );
      }
    }
  }
  if (problems.length > 0) throw new TwinGuardPropsError(`TwinGuard ${scope.node.path}: ${problems.join(' ')}`);
  return { accounts, principals, channelSenders };
}

function sourceProblems(sources: RoleSources): string[] {
  const problems: string[] = [];
  const seen = new Map<string, Role>();
  for (const role of ROLES) {
    const source = sources[role];
    if (Token.isUnresolved(source)) continue;
    if (source.trim() === '') problems.push(`sources.${role} is empty.`);
    if (source === TWINGUARD_SOURCE)
      problems.push(`sources.${role} is "${TWINGUARD_SOURCE}", TwinGuard's own source: give the role its own.`);
    if (source.startsWith('aws.')) problems.push(`sources.${role} starts with "aws.", which EventBridge reserves for AWS services.`);
    const other = seen.get(source);
    if (other !== undefined) problems.push(`sources.${other} and sources.${role} are both "${source}": each role needs its own source.`);
    seen.set(source, role);
  }
  return problems;
}

function accountProblems(where: string, accounts: readonly string[], role: Role): string[] {
  if (accounts.length === 0) {
    return [`${where} is empty: nobody could act as the ${role} role; omit it to allow only this stack's account.`];
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const account of accounts) {
    if (!Token.isUnresolved(account) && !ACCOUNT_ID.test(account))
      problems.push(`${where}: "${account}" is not a 12-digit AWS account id.`);
    if (seen.has(account)) problems.push(`${where} lists ${account} twice.`);
    seen.add(account);
  }
  return problems;
}

function principalProblems(role: Role, principals: readonly string[], accounts: readonly string[], own: string): string[] {
  const where = `roles.${role}.principals`;
  const problems: string[] = [];
  for (const arn of principals) {
    if (Token.isUnresolved(arn)) continue;
    const match = PRINCIPAL_ARN.exec(arn);
    if (match === null) {
      problems.push(`${where}: "${arn}" is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>).`);
    } else if (!Token.isUnresolved(own) && match[1] !== own) {
      problems.push(`${where}: ${arn} is in account ${match[1]}; principals are for this stack's own account (${own}).`);
    }
  }
  if (principals.length > 0 && !accounts.includes(own)) {
    problems.push(
      `${where} are principals of this stack's own account, which roles.${role}.accounts does not include: add Stack.of(this).account to it.`,
    );
  }
  return problems;
}

function describe(account: string, own: string): string {
  return account === own && Token.isUnresolved(account) ? "this stack's account" : account;
}

/**
 * The bus's resource policy, one statement per resource (`AWS::Events::EventBusPolicy`):
 * - each role's other accounts may put the role's `source` and detail-types, nothing else;
 * - principals named for a role may put its events, and no other principal of the account may
 *   use its `source`;
 * - nobody but TwinGuard's own functions may put `source: twinguard`, so no one can forge a
 *   decision (`Render Approved`), a takedown or TwinGuard's internal events.
 * The stack's own account needs no Allow: its principals are governed by their IAM policies.
 */
export function addBusPolicy(
  scope: Construct,
  bus: IEventBus,
  roles: ResolvedRoles,
  sources: RoleSources,
  twinGuardRoles: readonly IRole[],
): CfnEventBusPolicy[] {
  const own = Stack.of(scope).account;
  // Statement ids are unique per bus: two TwinGuards on one bus must not overwrite each other's.
  const prefix = `twinguard-${scope.node.addr.slice(0, 12)}`;
  const policies: CfnEventBusPolicy[] = [];
  const add = (name: string, statement: PolicyStatement) => {
    statement.sid = `${prefix}-${name}`;
    // The L1 resource, as EventBus.addToResourcePolicy creates (its L2 wrapper touches a deprecated property).
    const policy = new CfnEventBusPolicy(scope, `BusPolicy${pascal(name)}`, {
      eventBusName: bus.eventBusName,
      statementId: statement.sid,
      statement: statement.toJSON(),
    });
    policies.push(policy);
  };
  for (const role of ROLES) {
    const roleConditions = {
      'ForAllValues:StringEquals': { 'events:source': [sources[role]] },
      StringEquals: { 'events:detail-type': detailTypesOf(role) },
    };
    const others = roles.accounts[role].filter((a) => a !== own);
    if (others.length > 0) {
      add(
        `${role}-accounts`,
        new PolicyStatement({
          effect: Effect.ALLOW,
          principals: others.map((a) => new AccountPrincipal(a)),
          actions: ['events:PutEvents'],
          resources: [bus.eventBusArn],
          conditions: roleConditions,
        }),
      );
    }
    const named = roles.principals[role];
    if (named.length > 0) {
      add(
        `${role}-principals`,
        new PolicyStatement({
          effect: Effect.ALLOW,
          principals: named.map((arn) => new ArnPrincipal(arn)),
          actions: ['events:PutEvents'],
          resources: [bus.eventBusArn],
          conditions: roleConditions,
        }),
      );
      add(
        `${role}-others-denied`,
        new PolicyStatement({
          effect: Effect.DENY,
          principals: [new StarPrincipal()],
          actions: ['events:PutEvents'],
          resources: [bus.eventBusArn],
          conditions: {
            'ForAnyValue:StringEquals': { 'events:source': [sources[role]] },
            StringEquals: { 'aws:PrincipalAccount': [own] },
            ArnNotEquals: { 'aws:PrincipalArn': named },
          },
        }),
      );
    }
  }
  add(
    'own-source',
    new PolicyStatement({
      effect: Effect.DENY,
      principals: [new StarPrincipal()],
      actions: ['events:PutEvents'],
      resources: [bus.eventBusArn],
      conditions: {
        'ForAnyValue:StringEquals': { 'events:source': [TWINGUARD_SOURCE] },
        ArnNotEquals: { 'aws:PrincipalArn': twinGuardRoles.map((r) => r.roleArn) },
      },
    }),
  );
  return policies;
}

export function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
