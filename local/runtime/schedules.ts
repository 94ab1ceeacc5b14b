import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TemplateError } from './errors.ts';
import type { ScheduleSpec } from './template-routing.ts';

export const DEFAULT_TICK_MS = 1000;

export interface ScheduledTarget {
  spec: ScheduleSpec;
  /** Invokes the schedule's function with the payload; a rejection is reported, and the next tick tries again. */
  invoke(payload: unknown): Promise<unknown>;
}

export interface ScheduleTickerOptions {
  /** Time from the start of one invocation of a schedule to the start of its next. @default 1000 */
  tickMs?: number;
  /** Told when a schedule starts failing or fails differently, not at every tick. */
  onError?: (schedule: string, error: unknown) => void;
  /** Told when a schedule that was failing succeeds again. */
  onRecovered?: (schedule: string) => void;
  now?: () => Date;
}

/**
 * Runs every schedule on a local tick instead of its `rate()` or `cron()` expression:
 * the scheduled functions sweep for what is due (expiries, retries, overdue takedowns), so
 * ticking often makes them fire within seconds of their time, and the first tick at start
 * catches up with what fell due while the runtime was stopped. The invocations of one
 * schedule never overlap: the next tick waits for the previous invocation to finish.
 */
export class ScheduleTicker {
  private readonly tickMs: number;
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly failing = new Map<string, string>();

  constructor(
    private readonly targets: readonly ScheduledTarget[],
    private readonly options: ScheduleTickerOptions = {},
  ) {
    this.tickMs = options.tickMs ?? DEFAULT_TICK_MS;
    if (!(this.tickMs > 0)) throw new RangeError(`tickMs must be positive, got ${this.tickMs}`);
    // A bad Input is a template problem: say so at start-up, not at every tick.
    for (const { spec } of targets) schedulePayload(spec, new Date(0));
  }

  start(): void {
    if (this.loops.length > 0 || this.abort.signal.aborted) return;
    for (const target of this.targets) this.loops.push(this.run(target));
  }

  /** No tick starts after this; resolves when the invocations under way have settled. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  private async run(target: ScheduledTarget): Promise<void> {
    const { signal } = this.abort;
    const now = this.options.now ?? (() => new Date());
    while (!signal.aborted) {
      const started = Date.now();
      try {
        await target.invoke(schedulePayload(target.spec, now()));
        this.succeeded(target.spec.name);
      } catch (error) {
        this.failed(target.spec.name, error);
      }
      const wait = this.tickMs - (Date.now() - started);
      if (wait > 0 && !signal.aborted) await sleep(wait, undefined, { signal }).catch(() => undefined);
    }
  }

  private succeeded(name: string): void {
    if (this.failing.delete(name)) this.options.onRecovered?.(name);
  }

  private failed(name: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.failing.get(name) === message) return;
    this.failing.set(name, message);
    this.options.onError?.(name, error);
  }
}

/**
 * The payload EventBridge Scheduler sends: the target's Input with its context attributes
 * (`<aws.scheduler.scheduled-time>` and the others) filled in, parsed; `{}` without Input.
 */
export function schedulePayload(spec: ScheduleSpec, scheduledTime: Date, attemptNumber = 1): unknown {
  if (spec.input === undefined) return {};
  const attributes: Record<string, string> = {
    'schedule-arn': spec.arn,
    'scheduled-time': scheduledTime.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'execution-id': randomUUID(),
    'attempt-number': String(attemptNumber),
  };
  const text = spec.input.replace(/<aws\.scheduler\.([a-z-]+)>/g, (placeholder, name: string) => attributes[name] ?? placeholder);
  try {
    return JSON.parse(text);
  } catch {
    throw new TemplateError(`schedule ${spec.name}: Target.Input is not valid JSON: ${spec.input}`);
  }
}
