import type { z } from 'zod/mini';

/** One problem with an inbound event, as reported in `Event Rejected`. */
export interface FieldError {
  /** Dotted path from the envelope, e.g. `detail.scope.media.0` or `source`. */
  path: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Validates an event's detail and names each problem by its path from the envelope. */
export function parseDetail<S extends z.ZodMiniType>(schema: S, detail: unknown): Parsed<z.infer<S>> {
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    return { ok: false, errors: [{ path: 'detail', message: 'must be a JSON object' }] };
  }
  const result = schema.safeParse(detail);
  if (result.success) return { ok: true, value: result.data as z.infer<S> };
  return {
    ok: false,
    errors: result.error.issues.map((issue) => ({
      path: ['detail', ...issue.path.map(String)].join('.'),
      message: describe(issue, valueAt(detail, issue.path)),
    })),
  };
}

// zod's default words ("Invalid input") do not tell an integrator what to send.
function describe(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code !== 'invalid_type') return issue.message;
  if (value === undefined) return 'is required';
  return `must be ${article(issue.expected)}, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
