import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HandlerTimeoutError, TemplateError } from './errors.ts';
import { localFunctionArn } from './intrinsics.ts';
import type { FunctionSpec } from './template-routing.ts';

export type LambdaHandler = (event: unknown, context: Context) => unknown;

/** Imports a handler module; injectable so tests need no files. */
export type ModuleLoader = (absolutePath: string) => Promise<Record<string, unknown>>;

/** The repository root, where the `TwinGuard:Handler` paths start. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const importModule: ModuleLoader = (path) => import(pathToFileURL(path).href) as Promise<Record<string, unknown>>;

export interface LambdaInvokerOptions {
  root?: string;
  load?: ModuleLoader;
}

/**
 * Runs one function's handler the way Lambda calls it: the event and a context object
 * with the function's name, a fresh request id and the time left before its timeout. The
 * module is imported at the first invocation (a cold start), so importing it has no cost
 * at start-up and its configuration is read from the environment the runtime has set.
 * A handler that throws, or outlives its timeout, rejects: the caller retries.
 */
export class LambdaInvoker {
  private loading: Promise<LambdaHandler> | undefined;
  private readonly path: string;
  private readonly load: ModuleLoader;

  constructor(
    readonly spec: FunctionSpec,
    options: LambdaInvokerOptions = {},
  ) {
    this.path = resolve(options.root ?? REPOSITORY_ROOT, spec.source);
    this.load = options.load ?? importModule;
  }

  /** Fails at start-up rather than at the first event when the source file is missing. */
  assertSourceExists(): void {
    if (!existsSync(this.path)) {
      throw new TemplateError(`function ${this.spec.logicalId} runs ${this.spec.source}, which does not exist`);
    }
  }

  async invoke(event: unknown): Promise<unknown> {
    const handler = await this.handler();
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    const deadline = Date.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HandlerTimeoutError(this.spec.name, this.spec.timeoutSeconds)), timeoutMs);
    });
    try {
      return await Promise.race([Promise.resolve(handler(event, this.context(deadline))), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private handler(): Promise<LambdaHandler> {
    if (this.loading === undefined) {
      const loading = this.load(this.path).then((module) => {
        const handler = module[this.spec.exportName];
        if (typeof handler !== 'function') {
          throw new TemplateError(`${this.spec.source} does not export a function named ${this.spec.exportName}`);
        }
        return handler as LambdaHandler;
      });
      // A failed import is tried again at the next invocation, as a new cold start would.
      loading.catch(() => {
        if (this.loading === loading) this.loading = undefined;
      });
      this.loading = loading;
    }
    return this.loading;
  }

  private context(deadline: number): Context {
    const { name, memoryMb } = this.spec;
    const awsRequestId = randomUUID();
    const unsupported = () => {
      throw new Error('the callback-style context methods are not supported; return a promise');
    };
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: localFunctionArn(name),
      memoryLimitInMB: String(memoryMb),
      awsRequestId,
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${awsRequestId.replaceAll('-', '')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: unsupported,
      fail: unsupported,
      succeed: unsupported,
    };
  }
}
