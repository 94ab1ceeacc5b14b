import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb/dynamodb-local.ts';
import { documentClient } from '../../shared/adapters/dynamodb/dynamo-client.ts';
import { httpWebhookSender } from '../../shared/adapters/webhook/webhook-delivery.ts';
import { StaticChannelDirectory } from '../../shared/adapters/webhook/channel-directory.ts';
import { LOCAL_RETRY_POLICY } from '../../shared/model/delivery/retry-policy.ts';
import { deliverTakedown } from '../../shared/use-cases/deliver-takedown.ts';
import { sweepDue } from '../../shared/use-cases/sweep-due.ts';
import { startPartner, type PartnerServer } from '../channels/partner-server.ts';
import { grantDetail, ids, publicationDetail, publishedDetail, renderDetail } from '../support/fixtures.ts';
import { envelope, tables, world } from '../support/harness.ts';
import { allows, policiesByFunction, putDetailTypes, type DynamoRequest, type Statement } from '../support/iam-policies.ts';
import { runReevaluations } from '../support/reevaluations.ts';
import { sealLog } from '../../shared/use-cases/seal-log.ts';
import { LocalKeySigner, newPrivateJwk } from '../../shared/adapters/signing/local-key-signer.ts';
import { wireLog } from '../../shared/adapters/wire.ts';

/**
 * DynamoDB Local and the local bus enforce no IAM, so a function whose code outgrew its
 * policy would pass every other test and fail deployed. Here each function's work runs
 * against DynamoDB Local through a client that records every request, and each request
 * and each event it emits is checked against that function's policy as synthesized.
 */

/** Far from the clocks other files use; this file's due items live in their own namespace anyway. */
const NOW = '2037-02-01T12:00:00.000Z';
const SECRET = 'least-privilege-passphrase';

interface Recorded extends DynamoRequest {
  fn: string;
}

/** A DynamoDB client that records, for the function at work, every request as IAM sees it. */
class Recorder {
  readonly requests: Recorded[] = [];
  readonly db;
  private current: string | undefined;

  constructor() {
    const client = new DynamoDBClient({ endpoint: inject('dynamoEndpoint'), region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (this.current !== undefined) this.record(this.current, context.commandName ?? '(unnamed)', args.input as Record<string, any>);
        return next(args);
      },
      { step: 'initialize', name: 'recordForIam' },
    );
    this.db = documentClient(client);
  }

  /** Runs `work` as function `fn`: its requests are attributed to it. */
  async as<T>(fn: string, work: () => Promise<T>): Promise<T> {
    this.current = fn;
    try {
      return await work();
    } finally {
      this.current = undefined;
    }
  }

  private record(fn: string, command: string, input: Record<string, any>): void {
    const add = (action: string, tableName: string, pks: unknown[]) =>
      this.requests.push({ fn, action: `dynamodb:${action}`, table: tableOf(tableName), pks: pks.map(text) });
    switch (command) {
      case 'GetItemCommand':
      case 'UpdateItemCommand':
      case 'DeleteItemCommand':
        return void add(command.replace('Command', ''), input.TableName, [input.Key.pk]);
      case 'PutItemCommand':
        return void add('PutItem', input.TableName, [input.Item.pk]);
      case 'QueryCommand':
        return void add('Query', input.TableName, [input.ExpressionAttributeValues[':pk']]);
      case 'BatchGetItemCommand':
        for (const [name, request] of Object.entries<any>(input.RequestItems)) {
          add(
            'BatchGetItem',
            name,
            request.Keys.map((k: any) => k.pk),
          );
        }
        return;
      case 'TransactWriteItemsCommand':
        for (const item of input.TransactItems) {
          if (item.Put) add('PutItem', item.Put.TableName, [item.Put.Item.pk]);
          if (item.Update) add('UpdateItem', item.Update.TableName, [item.Update.Key.pk]);
          if (item.Delete) add('DeleteItem', item.Delete.TableName, [item.Delete.Key.pk]);
          if (item.ConditionCheck) add('ConditionCheckItem', item.ConditionCheck.TableName, [item.ConditionCheck.Key.pk]);
        }
        return;
      default:
        // A request this recorder does not know would go unchecked: fail loudly instead.
        throw new Error(`the IAM recorder does not know ${command}; teach it`);
    }
  }
}

function tableOf(name: string): string {
  if (name === tables.consent) return 'ConsentTable';
  if (name === tables.audit) return 'AuditTable';
  throw new Error(`unknown table ${name}`);
}

/** A key as the document client or the low-level client holds it. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  const s = (value as { S?: unknown } | undefined)?.S;
  if (typeof s !== 'string') throw new Error(`a partition key that is not a string: ${JSON.stringify(value)}`);
  return s;
}

describe('each function’s code stays inside its synthesized policy', () => {
  let policies: Record<string, Statement[]>;
  const recorder = new Recorder();
  /** The detail-types each function published. */
  const emitted: Record<string, Set<string>> = {};
  let partner: PartnerServer;

  beforeAll(async () => {
    policies = policiesByFunction(Template.fromStack(buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } })).stack));
    partner = await startPartner(SECRET);
    await runEveryFunction();
  });

  afterAll(async () => {
    await partner?.close();
  });

  /** Plays a life of grants, decisions, placements, takedowns and sweeps, each step as the function that runs it deployed. */
  async function runEveryFunction(): Promise<void> {
    // One look per removal check, so that the sweep below settles the tiktok takedown's and emits its outcome.
    const w = world(NOW, 60, { removalSchedule: { checks: 1, intervalSeconds: 60 } }, recorder.db);
    const as = async (fn: string, work: () => Promise<unknown>) => {
      const before = w.publisher.events.length;
      await recorder.as(fn, work);
      const types = emitted[fn] ?? new Set<string>();
      for (const e of w.publisher.events.slice(before)) types.add(e.detailType);
      emitted[fn] = types;
    };
    const id = ids();
    const [t, u] = [`t-${id.u}`, `u-${id.u}`];
    const g1 = grantDetail({
      grantId: `g1-${id.u}`,
      twinId: t,
      talentId: id.talent,
      validFrom: '2037-01-01T00:00:00Z',
      validUntil: '2037-02-01T12:10:00Z',
    });
    const g4 = grantDetail({
      grantId: `g4-${id.u}`,
      twinId: u,
      talentId: id.talent2,
      validFrom: '2037-01-01T00:00:00Z',
      validUntil: '2038-01-01T00:00:00Z',
    });

    await as('consent-granted', async () => {
      await w.send('Consent Granted', g1);
      await w.send('Consent Granted', g4);
      await w.send('Consent Granted', { ...g1, version: 0 });
    });
    const pubT = publicationDetail({ twinIds: [t], assetId: `asset-t-${id.u}`, channel: 'instagram' });
    const pubU = publicationDetail({ twinIds: [u], assetId: `asset-u-${id.u}`, channel: 'web' });
    await as('publication-requested', async () => {
      await w.send('Publication Requested', pubT);
      await w.send('Publication Requested', pubU);
      await w.send('Publication Requested', publicationDetail({ twinIds: [`nobody-${id.u}`] }));
    });
    await as('render-requested', async () => {
      await w.send('Render Requested', renderDetail({ twinIds: [t] }));
      await w.send('Render Requested', renderDetail({ twinIds: [`nobody-${id.u}`] }));
    });
    const pl1 = publishedDetail({
      twinIds: [t],
      assetId: pubT.assetId,
      channel: 'instagram',
      publicationId: pubT.publicationId,
      placementId: `pl1-${id.u}`,
    });
    const pl4 = publishedDetail({
      twinIds: [u],
      assetId: pubU.assetId,
      channel: 'web',
      publicationId: pubU.publicationId,
      placementId: `pl4-${id.u}`,
    });
    const unapproved = publishedDetail({ twinIds: [t], assetId: `asset-x-${id.u}`, channel: 'tiktok', placementId: `pl2-${id.u}` });
    const unconfirmed = publishedDetail({ twinIds: [t], assetId: `asset-y-${id.u}`, channel: 'tiktok', placementId: `pl5-${id.u}` });
    await as('asset-published', async () => {
      for (const p of [pl1, pl4, unapproved, unconfirmed]) await w.send('Asset Published', p);
    });
    const tiktok = w.publisher.ofType('Takedown Requested').find((d) => d.placementId === unapproved.placementId)!;
    const facts = { takedownId: tiktok.takedownId, assetId: unapproved.assetId, channel: 'tiktok', placementId: unapproved.placementId };
    await as('takedown-reported', async () => {
      await w.send('Takedown Failed', { ...facts, error: 'rate limited', final: false }, { source: 'twinguard.channel' });
      await w.send('Takedown Completed', { ...facts, completedAt: NOW });
    });
    await as('wrong-source', () => w.send('Consent Granted', g1, { source: 'twinguard.studio' }));

    // A second grant for t keeps pl1 covered when g1 narrows: the fan-out records the new reliance.
    await as('consent-granted', async () => {
      await w.send(
        'Consent Granted',
        grantDetail({ grantId: `g3-${id.u}`, twinId: t, talentId: id.talent, validFrom: '2037-01-01T00:00:00Z' }),
      );
      await w.send('Consent Granted', { ...g1, version: 2, scope: { ...g1.scope, channels: ['web'] } });
    });
    await as('consent-revoked', async () => {
      await w.send('Consent Revoked', { grantId: g4.grantId, twinId: u, revokedAt: NOW });
      await w.send('Consent Revoked', { grantId: `never-granted-${id.u}`, twinId: u, revokedAt: NOW });
    });
    await as('reevaluate-placements', () => runReevaluations(w.deps, w.publisher));
    const web = w.publisher.ofType('Takedown Requested').find((d) => d.placementId === pl4.placementId);
    expect(web).toBeDefined();

    // The web partner fails the first attempt and takes the second.
    const channels = new StaticChannelDirectory(new Map([['web', { url: partner.url('/script/503,200'), secrets: [SECRET] }]]));
    const requested = envelope('Takedown Requested', web, { id: `evt-td-${id.u}`, source: 'twinguard' });
    const webhookDeps = { ...w.deps, deliveries: w.deliveries };
    const opts = { sender: httpWebhookSender, timeoutMs: 5_000, random: () => 0 };
    await as('takedown-webhook', async () => {
      expect(
        await deliverTakedown(
          webhookDeps,
          channels,
          { envelope: requested, takedownId: web!.takedownId, attempt: 1 },
          LOCAL_RETRY_POLICY,
          opts,
        ),
      ).toMatchObject({ kind: 'retry' });
      expect(
        await deliverTakedown(webhookDeps, channels, { takedownId: web!.takedownId, attempt: 2 }, LOCAL_RETRY_POLICY, opts),
      ).toMatchObject({ kind: 'delivered' });
    });

    // Two hours on: g1 v2 has expired, pl5's takedown is overdue, the webhook retry is due.
    w.clock.set('2037-02-01T14:00:00.000Z');
    await as('sweep-due', async () => {
      const swept = await sweepDue(w.deps);
      // Both versions of g1 left an expiry; the first is stale and changes nothing. Each
      // re-evaluation job started above left a watchdog, due once the job could have stalled.
      expect(swept.byKind).toEqual({
        'grant-expiry': 2,
        'job-watchdog': 3,
        'takedown-deadline': expect.any(Number),
        'webhook-retry': 1,
        // The tiktok takedown completed by its connector and the web one by the webhook connector: their URLs
        // (example.invalid, a reserved name) are refused, so both are unverified.
        'removal-check': 2,
      });
      expect(swept.overdue).toBeGreaterThan(0);
      expect(swept.removals).toEqual({ verified: 0, unverified: 2 });
      expect(
        w.publisher
          .ofType('Removal Unverified')
          .map((d) => d.takedownId)
          .sort(),
      ).toEqual([facts.takedownId, web!.takedownId].sort());
    });

    // The sealer takes every record written above into the log.
    const signer = await LocalKeySigner.fromJwk(await newPrivateJwk());
    const log = wireLog({ db: recorder.db, tables: w.tables, signer, clock: w.clock, settings: { graceMs: 1_000 } });
    w.clock.set('2037-02-01T14:05:00.000Z');
    await as('seal-log', async () => {
      expect((await sealLog(log)).sealed).toBeGreaterThan(20);
    });
  }

  const FUNCTIONS = [
    'consent-granted',
    'consent-revoked',
    'render-requested',
    'publication-requested',
    'asset-published',
    'takedown-reported',
    'wrong-source',
    'reevaluate-placements',
    'takedown-webhook',
    'sweep-due',
    'seal-log',
  ];

  it('exercises every function of the template', () => {
    // log-public-key reads the KMS key and no table (roles.test.ts checks its policy has no DynamoDB grant).
    expect(Object.keys(policies).sort()).toEqual([...FUNCTIONS, 'log-public-key'].sort());
    for (const fn of FUNCTIONS) expect(recorder.requests.filter((r) => r.fn === fn).length, fn).toBeGreaterThan(0);
  });

  it.each(FUNCTIONS)('%s: every DynamoDB request it made is allowed by its policy', (fn) => {
    const denied = recorder.requests.filter((r) => r.fn === fn && !allows(policies[fn]!, r));
    expect(denied.map((r) => `${r.action} ${r.table} ${r.pks.join(',')}`)).toEqual([]);
  });

  it.each(FUNCTIONS)('%s: every event it emitted is one its policy lets it put', (fn) => {
    const allowed = putDetailTypes(policies[fn]!);
    expect([...(emitted[fn] ?? [])].filter((t) => !allowed.includes(t))).toEqual([]);
  });

  it('the policies are not so wide that anything passes', () => {
    const probe = (fn: string, action: string, pk: string, table = 'ConsentTable') =>
      allows(policies[fn]!, { action: `dynamodb:${action}`, table, pks: [pk] });
    expect(probe('render-requested', 'PutItem', 'GRANT#g')).toBe(false);
    expect(probe('wrong-source', 'PutItem', 'TWIN#t', 'AuditTable')).toBe(false);
    expect(probe('takedown-reported', 'UpdateItem', 'GRANT#g')).toBe(false);
    expect(probe('consent-granted', 'DeleteItem', 'DUE#0')).toBe(false);
    expect(probe('sweep-due', 'DeleteItem', 'DUE#0')).toBe(true);
    expect(probe('asset-published', 'Scan', 'PLACEMENT#x')).toBe(false);
    // Writers put log markers, never the log's heads or state; the sealer never touches a record.
    expect(probe('render-requested', 'PutItem', 'LOG#PENDING#3', 'AuditTable')).toBe(true);
    expect(probe('render-requested', 'PutItem', 'LOG#HEAD', 'AuditTable')).toBe(false);
    expect(probe('render-requested', 'ConditionCheckItem', 'LOG#STATE', 'AuditTable')).toBe(false);
    expect(probe('seal-log', 'PutItem', 'TWIN#t', 'AuditTable')).toBe(false);
    expect(probe('seal-log', 'GetItem', 'TWIN#t', 'AuditTable')).toBe(false);
    expect(probe('seal-log', 'GetItem', 'GRANT#g')).toBe(false);
    expect(putDetailTypes(policies['takedown-reported']!)).toEqual(['Event Rejected']);
  });
});
