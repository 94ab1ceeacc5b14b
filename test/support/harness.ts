import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import type { EventEnvelope, OutboundEvent } from '../../shared/model/events/envelope.ts';
import { DEFAULT_SOURCES, INBOUND_ROLES, type InboundDetailType } from '../../shared/model/events/roles.ts';
import { handleInbound } from '../../shared/use-cases/handle-inbound.ts';
import type { Clock, EventPublisher } from '../../shared/ports/ports.ts';
import { documentClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { wireAdapters } from '../../shared/adapters/wire.ts';
import { auditKeys, keys } from '../../shared/adapters/dynamodb/keys.ts';
import type { Outcome } from '../../shared/use-cases/once.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb/dynamodb-local.ts';

/** Records what the domain publishes; the bus itself is exercised by the local-bus and end-to-end tests. */
export class RecordingPublisher implements EventPublisher {
  readonly events: OutboundEvent[] = [];
  failNext = 0;
  async publish(events: readonly OutboundEvent[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('bus unavailable');
    }
    this.events.push(...events);
  }
  ofType(detailType: string): Record<string, any>[] {
    return this.events.filter((e) => e.detailType === detailType).map((e) => e.detail);
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

/** A world against the real DynamoDB Local: the real store, a fixed clock, a recording bus. */
export function world(now = '2026-03-01T12:00:00Z', slaSeconds = 3600) {
  const publisher = new RecordingPublisher();
  const clock = new FixedClock(new Date(now));
  // Each world sweeps only its own due items: test files share one table and run in parallel.
  const isolated = { ...tables, dueNamespace: uid(), logNamespace: uid() };
  const { deps, deliveries, status } = wireAdapters({
    db,
    tables: isolated,
    publisher,
    clock,
    settings: { sources: DEFAULT_SOURCES, takedownSlaSeconds: slaSeconds, reevaluationBudget: 2000 },
  });
  let seq = 0;
  const send = (detailType: string, detail: unknown, overrides: Partial<EventEnvelope> = {}): Promise<Outcome> =>
    handleInbound(deps, envelope(detailType, detail, { id: `evt-${uid()}-${++seq}`, ...overrides }));
  return { deps, deliveries, status, publisher, clock, send, tables: isolated };
}

export function envelope(detailType: string, detail: unknown, overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  const role = INBOUND_ROLES[detailType as InboundDetailType];
  return {
    version: '0',
    id: overrides.id ?? `evt-${uid()}`,
    'detail-type': detailType,
    source: role ? DEFAULT_SOURCES[role] : 'unknown',
    account: '000000000000',
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
