import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { matchesEventPattern, validateEventPattern } from './event-pattern.ts';
import type { EventEnvelope } from '../../shared/model/events/envelope.ts';
import { DirectoryDeadLetterStore, MemoryDeadLetterStore, type DeadLetterStore } from './dead-letter-store.ts';
import { BusClosedError, DuplicateRuleError } from './errors.ts';
import { messageOf } from './put-events.ts';
import { Tap } from './tap.ts';

export interface BusTarget {
  id: string;
  /** A rejection counts as a failed delivery and is retried, as for a Lambda target. */
  invoke(envelope: EventEnvelope): Promise<void>;
}

export interface BusRule {
  name: string;
  eventBusName: string;
  pattern: object;
  targets: BusTarget[];
}

export interface RetryPolicy {
  /** Tries in all, the first one included. @default 3 */
  attempts: number;
  /** Wait before the second try; each later wait doubles. @default 200 */
  firstDelayMs: number;
}

export interface LocalEventBusOptions {
  rules?: BusRule[];
  /** Append every published envelope to this file, one JSON line each. */
  tapFile?: string;
  /** Keep dead letters as JSON files here; in memory when absent. */
  deadLetterDir?: string;
  retry?: Partial<RetryPolicy>;
  /** Told when a dead letter cannot be stored, the one failure that has nowhere else to go. */
  onError?: (error: unknown) => void;
  /** Told of every published envelope, with how many rules matched it (0: it goes nowhere). */
  onPublish?: (busName: string, envelope: EventEnvelope, matchedRules: number) => void;
}

/**
 * Routes published envelopes to the targets of matching rules, the way EventBridge does:
 * delivery is asynchronous, at least once, retried with backoff, then dead-lettered.
 */
export class LocalEventBus {
  readonly deadLetters: DeadLetterStore;
  private readonly rules: BusRule[] = [];
  private readonly tap: Tap | undefined;
  private readonly retry: RetryPolicy;
  private readonly onError: (error: unknown) => void;
  private readonly onPublish: LocalEventBusOptions['onPublish'];
  private readonly pending = new Set<Promise<void>>();
  private closed = false;

  constructor(options: LocalEventBusOptions = {}) {
    this.tap = options.tapFile === undefined ? undefined : new Tap(options.tapFile);
    this.deadLetters =
      options.deadLetterDir === undefined ? new MemoryDeadLetterStore() : new DirectoryDeadLetterStore(options.deadLetterDir);
    this.retry = { attempts: 3, firstDelayMs: 200, ...options.retry };
    if (!Number.isInteger(this.retry.attempts) || this.retry.attempts < 1) {
      throw new RangeError(`retry.attempts must be a positive integer, got ${this.retry.attempts}`);
    }
    this.onError = options.onError ?? ((error) => console.error('[local-bus] dead letter lost:', error));
    this.onPublish = options.onPublish;
    for (const rule of options.rules ?? []) this.addRule(rule);
  }

  /** Throws InvalidEventPatternError for a pattern EventBridge would refuse, as PutRule does. */
  addRule(rule: BusRule): void {
    validateEventPattern(rule.pattern);
    if (this.rules.some((r) => r.name === rule.name && r.eventBusName === rule.eventBusName)) {
      throw new DuplicateRuleError(rule.name, rule.eventBusName);
    }
    this.rules.push(rule);
  }

  /**
   * Resolves once the envelope is on the tap and its deliveries are scheduled, before any
   * target runs: a slow or failing target never holds up the publisher, as in the cloud.
   */
  publish(busName: string, envelope: EventEnvelope): Promise<void> {
    if (this.closed) return Promise.reject(new BusClosedError());
    return this.track(this.accept(busName, envelope));
  }

  /** Resolves when nothing is in flight or waiting for a retry, including events published meanwhile. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Lets pending deliveries finish (they may still publish), then refuses new events. */
  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
  }

  private async accept(busName: string, envelope: EventEnvelope): Promise<void> {
    await this.tap?.append(envelope);
    let matched = 0;
    for (const rule of this.rules) {
      if (rule.eventBusName !== busName || !matchesEventPattern(rule.pattern, envelope)) continue;
      matched++;
      for (const target of rule.targets) void this.track(this.deliver(rule, target, envelope));
    }
    try {
      this.onPublish?.(busName, envelope, matched);
    } catch (error) {
      this.onError(error);
    }
  }

  private async deliver(rule: BusRule, target: BusTarget, envelope: EventEnvelope): Promise<void> {
    await nextTurn();
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      try {
        // Each target gets its own copy, as each Lambda gets its own JSON.
        await target.invoke(structuredClone(envelope));
        return;
      } catch (error) {
        lastError = error;
      }
      if (attempt < this.retry.attempts) await sleep(this.retry.firstDelayMs * 2 ** (attempt - 1));
    }
    await this.deadLetters
      .put({
        id: randomUUID(),
        time: new Date().toISOString(),
        eventBusName: rule.eventBusName,
        rule: rule.name,
        target: target.id,
        envelope,
        errorMessage: messageOf(lastError),
        attempts: this.retry.attempts,
      })
      .catch(this.onError);
  }

  private track(work: Promise<void>): Promise<void> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
    return work;
  }
}
