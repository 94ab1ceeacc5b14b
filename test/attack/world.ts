import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type fc from 'fast-check';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { OutboundEvent } from '../../shared/model/events/envelope.ts';
import { DEFAULT_SOURCES } from '../../shared/model/events/roles.ts';
import { wireAdapters } from '../../shared/adapters/wire.ts';
import { LocalKeySigner, newPrivateJwk } from '../../shared/adapters/signing/local-key-signer.ts';
import type { Signer } from '../../shared/ports/signer.ts';
import { db, FixedClock, OWN_ACCOUNTS, RecordingPublisher, tables, uid } from '../support/harness.ts';

/**
 * Every DynamoDB call and every publish of the domain passes through a gate. Outside a
 * round the gate is open. Inside one, each call waits until fast-check's scheduler picks it,
 * and runs alone: so the interleaving of concurrent deliveries is the scheduler's choice,
 * reproducible from the seed, at the granularity of one storage or bus call.
 */
export class SchedulerGate {
  private driving = false;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(private readonly scheduler: fc.Scheduler) {}

  async run<T>(label: string, work: () => Promise<T>): Promise<T> {
    if (!this.driving) return work();
    await this.scheduler.schedule(Promise.resolve(), label);
    const running = work();
    this.inflight.add(running);
    try {
      return await running;
    } finally {
      this.inflight.delete(running);
    }
  }

  /** Runs `flows` to their end, releasing one gated call at a time. */
  async drive(flows: Promise<unknown>[]): Promise<void> {
    this.driving = true;
    let finished = false;
    const all = Promise.allSettled(flows).then(() => {
      finished = true;
    });
    try {
      while (!finished) {
        await this.settle();
        if (finished) break;
        if (this.scheduler.count() > 0) await this.scheduler.waitNext(1);
        // A flow waits on something no gate holds (a timer in the SDK, a retry back-off).
        else await sleep(1);
      }
      await all;
    } finally {
      this.driving = false;
    }
  }

  /** Waits until the released call has answered and every flow has reached its next gate (or its end). */
  private async settle(): Promise<void> {
    for (let idle = 0; idle < 3; ) {
      await nextTurn();
      if (this.inflight.size > 0) {
        await Promise.allSettled([...this.inflight]);
        idle = 0;
      } else idle++;
    }
  }
}

/**
 * The log's key, as the deployed approvers and sweeper hold it: approvals carry consent
 * credentials, and the sweeper signs certificates of removal (without a key their due items
 * could never be done). Made at the first signature, since worlds are built synchronously.
 */
class LazySigner implements Signer {
  #signer: Promise<Signer> | undefined;
  private get signer(): Promise<Signer> {
    this.#signer ??= newPrivateJwk().then((jwk) => LocalKeySigner.fromJwk(jwk));
    return this.#signer;
  }
  async publicJwk() {
    return (await this.signer).publicJwk();
  }
  async sign(payload: Uint8Array, typ: string): Promise<string> {
    return (await this.signer).sign(payload, typ);
  }
}

/** Like the harness's `world()`, with the domain's storage and bus calls optionally passing a gate. */
export function attackWorld(now: string, gate?: SchedulerGate, calls: Map<string, number> = new Map()) {
  const publisher = new RecordingPublisher();
  const clock = new FixedClock(new Date(now));
  const isolated = { ...tables, dueNamespace: uid() };
  const store = gated(db, gate, calls);
  const bus = {
    publish: (events: readonly OutboundEvent[]) =>
      gate === undefined ? publisher.publish(events) : gate.run('publish', () => publisher.publish(events)),
  };
  const { deps } = wireAdapters({
    db: store,
    tables: isolated,
    publisher: bus,
    clock,
    credentials: new LazySigner(),
    settings: {
      sources: DEFAULT_SOURCES,
      accounts: OWN_ACCOUNTS,
      channelSenders: {},
      takedownSlaSeconds: 3600,
      reevaluationBudget: 2000,
      jobStallSeconds: 300,
    },
  });
  return { deps, publisher, clock };
}

/** The client, counting its calls by command, each passing the gate if there is one. */
function gated(client: DynamoDBDocumentClient, gate: SchedulerGate | undefined, calls: Map<string, number>): DynamoDBDocumentClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (command: { constructor: { name: string } }, ...rest: unknown[]) => {
        const name = command.constructor.name;
        calls.set(name, (calls.get(name) ?? 0) + 1);
        const send = () => Reflect.apply(target.send, target, [command, ...rest]) as Promise<unknown>;
        return gate === undefined ? send() : gate.run(name, send);
      };
    },
  });
}
