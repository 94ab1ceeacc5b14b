import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Each area's errors module and the base class all its errors extend. */
const AREAS = {
  model: { path: './shared/model/errors.ts', base: 'ModelError' },
  ports: { path: './shared/ports/errors.ts', base: 'StoreError' },
  webhook: { path: './shared/adapters/webhook/errors.ts', base: 'WebhookAdapterError' },
  eventbridge: { path: './shared/adapters/eventbridge/errors.ts', base: 'EventBridgeAdapterError' },
  signing: { path: './shared/adapters/signing/errors.ts', base: 'SigningError' },
  functions: { path: './functions/commons/errors.ts', base: 'FunctionError' },
  infra: { path: './infra/errors.ts', base: 'InfraError' },
  localBus: { path: './local/bus/errors.ts', base: 'LocalBusError' },
  localRuntime: { path: './local/runtime/errors.ts', base: 'LocalRuntimeError' },
  localCli: { path: './local/cli/errors.ts', base: 'LocalCliError' },
} as const;

type ErrorClass = new (...args: any[]) => Error;

/** How to build the errors whose constructor is not `(message, options)`; options always last. */
const MAKE: Record<string, (C: ErrorClass, options: ErrorOptions) => Error> = {
  RejectedEventError: (C, o) => new C([{ path: 'detail.evidence', message: 'is required' }], o),
  ChannelConfigError: (C, o) => new C([{ message: 'is not valid JSON' }], o),
  AwsJsonProtocolError: (C, o) => new C('ValidationException', 'bad request', 400, o),
  InvalidEventPatternError: (C, o) => new C('detail.price', 'bad range', o),
  BusClosedError: (C, o) => new C(o),
  DuplicateRuleError: (C, o) => new C('rule', 'default', o),
  UnknownDeadLetterError: (C, o) => new C('dl-1', o),
  ReplayFailedError: (C, o) => new C('dl-1', 'ValidationException', 'refused', o),
  HandlerTimeoutError: (C, o) => new C('fn', 3, o),
  EventTooLargeError: (C, o) => new C('Takedown Requested', 300_000, 262_144, o),
};

let dir: string;
let areas: Record<keyof typeof AREAS, Record<string, unknown>>;

// Built as the Lambda bundles are (minified, no keepNames): a name taken from the class
// itself would come out as a mangled identifier here, as it would in a function's logs.
beforeAll(async () => {
  const entry = Object.entries(AREAS)
    .map(([area, { path }]) => `export * as ${area} from '${path}';`)
    .join('\n');
  const out = await build({
    stdin: { contents: entry, resolveDir: process.cwd(), loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'cjs',
    platform: 'node',
    write: false,
    logLevel: 'silent',
  });
  dir = await mkdtemp(join(tmpdir(), 'twinguard-errors-'));
  const file = join(dir, 'errors.cjs');
  await writeFile(file, out.outputFiles[0]!.text);
  areas = createRequire(import.meta.url)(file);
});

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function errorClasses(area: keyof typeof AREAS): [string, ErrorClass][] {
  return Object.entries(areas[area]).filter(
    (entry): entry is [string, ErrorClass] => typeof entry[1] === 'function' && (entry[1] as ErrorClass).prototype instanceof Error,
  );
}

describe.each(Object.keys(AREAS) as (keyof typeof AREAS)[])('errors of %s', (area) => {
  it('has its base class and at least one error besides', () => {
    const names = errorClasses(area).map(([name]) => name);
    expect(names).toContain(AREAS[area].base);
    expect(names.length).toBeGreaterThan(1);
  });

  it('names every class ...Error, extends the base, keeps its name when minified and passes the cause on', () => {
    const base = areas[area][AREAS[area].base] as ErrorClass;
    for (const [exported, C] of errorClasses(area)) {
      const cause = new Error('underlying');
      const error = (MAKE[exported] ?? ((K, o) => new K('message', o)))(C, { cause });
      expect(exported).toMatch(/Error$/);
      expect(error).toBeInstanceOf(base);
      expect({ exported, name: error.name }).toEqual({ exported, name: exported });
      expect({ exported, cause: error.cause }).toEqual({ exported, cause });
    }
  });
});
