import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import type { EmittedDetails, EventEnvelope, OutboundDetailType, OutboundEvent } from '../../shared/model/events/envelope.ts';
import { isPublicDetailType, OUTBOUND_SCHEMAS } from '../../shared/model/events/outbound-schemas.ts';
import { parseDetail } from '../../shared/model/events/validation.ts';
import { DEFAULT_SOURCES, INBOUND_ROLES, type InboundDetailType, type RoleAccounts } from '../../shared/model/events/roles.ts';
import type { Settings } from '../../shared/ports/deps.ts';
import { handleInbound } from '../../shared/use-cases/handle-inbound.ts';
import type { Clock, EventPublisher } from '../../shared/ports/ports.ts';
import { documentClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { wireAdapters } from '../../shared/adapters/wire.ts';
import { auditKeys, keys } from '../../shared/adapters/dynamodb/keys.ts';
import type { Outcome } from '../../shared/use-cases/once.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb/dynamodb-local.ts';

/**
 * Records what the domain publishes; the bus itself is exercised by the local-bus and end-to-end tests.
 * Every public event is checked against its published schema, so no domain test passes while
 * TwinGuard emits a detail the contract's JSON Schemas would refuse.
 */
export class RecordingPublisher implements EventPublisher {
  readonly events: OutboundEvent[] = [];
  failNext = 0;
  async publish(events: readonly OutboundEvent[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('bus unavailable');
    }
    for (const event of events) assertMatchesContract(event);
    this.events.push(...events);
  }
  // Loosely typed on purpose: tests index into details and arrays they have just asserted on.
  ofType<K extends OutboundDetailType>(detailType: K): (EmittedDetails[K] & Record<string, any>)[] {
    return this.events.filter((e) => e.detailType === detailType).map((e) => e.detail as EmittedDetails[K] & Record<string, any>);
  }
}

export class ContractViolationError extends Error {
  override name = 'ContractViolationError';
}

function assertMatchesContract(event: OutboundEvent): void {
  if (!isPublicDetailType(event.detailType)) return;
  // A receipt's outbox was JSON: check what would go on the wire.
  const parsed = parseDetail(OUTBOUND_SCHEMAS[event.detailType], JSON.parse(JSON.stringify(event.detail)));
  if (!parsed.ok) {
    throw new ContractViolationError(`${event.detailType} does not match its schema: ${JSON.stringify(parsed.errors)}`);
  }
}

export class FixedClock implements Clock {
  constructor(public current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
}

export const db = documentClient(
  new DynamoDBClient({ endpoint: inject('dynamoEndpoint'), region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
);
export const tables = { consent: inject('consentTable'), audit: inject('auditTable') };

/** The account every envelope comes from unless a test says otherwise; every role's, by default. */
export const OWN_ACCOUNT = '000000000000';
export const OWN_ACCOUNTS: RoleAccounts = {
  consent: [OWN_ACCOUNT],
  studio: [OWN_ACCOUNT],
  publisher: [OWN_ACCOUNT],
  channel: [OWN_ACCOUNT],
};

/** A world against the real DynamoDB Local: the real store, a fixed clock, a recording bus. */
export function world(now = '2026-03-01T12:00:00Z', slaSeconds = 3600, settings: Partial<Settings> = {}, client = db) {
  const publisher = new RecordingPublisher();
  const clock = new FixedClock(new Date(now));
  // Each world sweeps only its own due items: test files share one table and run in parallel.
  const isolated = { ...tables, dueNamespace: uid(), logNamespace: uid() };
  const { deps, deliveries } = wireAdapters({
    db: client,
    tables: isolated,
    publisher,
    clock,
    settings: {
      sources: DEFAULT_SOURCES,
      accounts: OWN_ACCOUNTS,
      channelSenders: {},
      takedownSlaSeconds: slaSeconds,
      reevaluationBudget: 2000,
      jobStallSeconds: 300,
      ...settings,
    },
  });
  let seq = 0;
  const send = (detailType: string, detail: unknown, overrides: Partial<EventEnvelope> = {}): Promise<Outcome> =>
    handleInbound(deps, envelope(detailType, detail, { id: `evt-${uid()}-${++seq}`, ...overrides }));
  return { deps, deliveries, publisher, clock, send, tables: isolated };
}

export function envelope(detailType: string, detail: unknown, overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  const role = INBOUND_ROLES[detailType as InboundDetailType];
  return {
    version: '0',
    id: overrides.id ?? `evt-${uid()}`,
    'detail-type': detailType,
    source: role ? DEFAULT_SOURCES[role] : 'unknown',
    account: OWN_ACCOUNT,
    time: '2026-03-01T12:00:00Z',
    region: LOCAL_REGION,
    resources: [],
    detail,
    ...overrides,
  };
}

export function uid(): string {
  return crypto.randomUUID().slice(0, 8);
}

/** Every audit record of a twin, oldest first. */
export function auditOf(twinId: string): Promise<Record<string, any>[]> {
  return auditItems(keys.twin(twinId), 'AUDIT#');
}

/** Every usage record of a talent, by month. */
export function usageOf(talentId: string): Promise<Record<string, any>[]> {
  return auditItems(auditKeys.talent(talentId), 'USAGE#');
}

async function auditItems(pk: string, prefix: string): Promise<Record<string, any>[]> {
  const out = await db.send(
    new QueryCommand({
      TableName: tables.audit,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
    }),
  );
  return out.Items ?? [];
}
