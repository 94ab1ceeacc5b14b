import { Parser } from '@asyncapi/parser';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { asyncApiDocument, contractArtifacts, jsonSchemaPath, messageId, operationId } from '../../scripts/contract-artifacts.ts';
import { staleArtifacts } from '../../scripts/generate-schemas.ts';
import { CONTRACT_EVENTS, INBOUND_EVENTS, OUTBOUND_EVENTS, type ContractEvent } from '../../shared/model/events/contract.ts';
import { INBOUND_EXAMPLES } from '../../shared/model/events/examples.ts';
import { INBOUND_DETAIL_TYPES, type InboundDetailType } from '../../shared/model/events/roles.ts';
import { ROUTES } from '../../shared/use-cases/handle-inbound.ts';
import { PUBLIC_DETAIL_TYPES } from '../../shared/model/events/outbound-schemas.ts';

const ROOT = join(import.meta.dirname, '../..');
const EVENTS_MD = join(ROOT, '../shared/design/EVENTS.md');

// ajv-formats is CommonJS with `exports.default`; under ESM interop the function may sit one level down.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

function compile(schema: object): ValidateFunction {
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  // `examples` is an annotation of 2020-12; strict mode knows it.
  addFormats(ajv);
  return ajv.compile(schema);
}

function committedSchema(event: ContractEvent): object {
  return JSON.parse(readFileSync(join(ROOT, jsonSchemaPath(event)), 'utf8'));
}

describe('the committed contract artifacts', () => {
  it('are exactly what the zod schemas generate (else run "npm run schemas")', () => {
    expect(staleArtifacts(ROOT)).toEqual([]);
  });

  it('notice a changed, a missing and a stale file', () => {
    const files = contractArtifacts();
    const [first] = files.keys();
    files.set(first!, `${files.get(first!)} `);
    files.set('schemas/inbound/not-an-event.json', '{}\n');
    const withoutAsyncApi = new Map([...files].filter(([path]) => path !== 'schemas/asyncapi.yaml'));
    expect(staleArtifacts(ROOT, withoutAsyncApi)).toEqual([first!, 'schemas/asyncapi.yaml', 'schemas/inbound/not-an-event.json'].sort());
  });

  it('are made from the very schemas the handlers validate with', () => {
    for (const event of INBOUND_EVENTS) {
      expect(ROUTES[event.detailType as InboundDetailType].schema, event.detailType).toBe(event.schema);
    }
  });

  it('have a JSON Schema for every inbound and every outbound detail-type', () => {
    expect(INBOUND_EVENTS.map((e) => e.detailType)).toEqual(INBOUND_DETAIL_TYPES);
    expect(OUTBOUND_EVENTS.map((e) => e.detailType)).toEqual(PUBLIC_DETAIL_TYPES);
    for (const event of CONTRACT_EVENTS) {
      const schema = committedSchema(event) as Record<string, unknown>;
      expect(schema).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: event.detailType, type: 'object' });
    }
  });
});

describe('the JSON Schemas', () => {
  it.each(CONTRACT_EVENTS.map((e) => [`${e.direction} ${e.detailType}`, e] as const))(
    '%s: its example is valid, by the JSON Schema (ajv, draft 2020-12) and by zod',
    (_, event) => {
      const validate = compile(committedSchema(event));
      expect(validate(event.example), JSON.stringify(validate.errors)).toBe(true);
      expect(event.schema.safeParse(event.example).success).toBe(true);
    },
  );

  it.each(CONTRACT_EVENTS.map((e) => [`${e.direction} ${e.detailType}`, e] as const))(
    '%s: allows unknown fields at every level, as the contract does',
    (_, event) => {
      expect(JSON.stringify(committedSchema(event))).not.toContain('additionalProperties');
      const validate = compile(committedSchema(event));
      expect(validate(withExtraFields(event.example))).toBe(true);
    },
  );

  it.each(CONTRACT_EVENTS.map((e) => [`${e.direction} ${e.detailType}`, e] as const))(
    '%s: refuses the example without any one required field',
    (_, event) => {
      const schema = committedSchema(event) as { required: string[] };
      const validate = compile(schema);
      expect(schema.required.length).toBeGreaterThan(0);
      for (const field of schema.required) {
        const { [field]: _, ...without } = event.example as Record<string, unknown>;
        expect(validate(without), `without ${field}`).toBe(false);
        expect(event.schema.safeParse(without).success, `zod, without ${field}`).toBe(false);
      }
    },
  );

  it('agree with zod on any value put in place of any field of any example', () => {
    const validators = new Map(CONTRACT_EVENTS.map((e) => [e, compile(committedSchema(e))]));
    const mutation = fc.record({
      event: fc.constantFrom(...CONTRACT_EVENTS),
      pick: fc.nat(),
      value: fc.oneof(
        fc.jsonValue(),
        fc.constantFrom('', 'x'.repeat(257), '2026-02-30T00:00:00Z', '2026-01-01T00:00:00+01:00', -1, 0, 1.5),
      ),
    });
    fc.assert(
      fc.property(mutation, ({ event, pick, value }) => {
        const mutated = structuredClone(event.example) as Record<string, unknown>;
        const paths = leafPaths(mutated);
        setAt(mutated, paths[pick % paths.length]!, value);
        // zod's refinement of a grant's validity window has no JSON Schema equivalent: compare without it.
        if (event.detailType === 'Consent Granted' && !validWindow(mutated)) return;
        expect(validators.get(event)!(mutated)).toBe(event.schema.safeParse(mutated).success);
      }),
      { numRuns: 2000 },
    );
  });
});

describe.skipIf(!existsSync(EVENTS_MD))('the examples', () => {
  it('of the inbound events are those of EVENTS.md, verbatim', () => {
    const markdown = readFileSync(EVENTS_MD, 'utf8');
    for (const detailType of INBOUND_DETAIL_TYPES) {
      const section = markdown.split(/^### /m).find((s) => s.split('\n')[0]!.includes(`\`${detailType}\``));
      expect(section, detailType).toBeDefined();
      const blocks = [...section!.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
      // The Takedown section holds both examples, one per line group.
      const objects = blocks.flatMap((b) => b.split(/\n(?=\{)/)).map((text) => JSON.parse(text));
      expect(objects, detailType).toContainEqual(INBOUND_EXAMPLES[detailType]);
    }
  });
});

describe('the AsyncAPI document', () => {
  let parsed: Awaited<ReturnType<Parser['parse']>>;
  beforeAll(async () => {
    parsed = await new Parser().parse(readFileSync(join(ROOT, 'schemas/asyncapi.yaml'), 'utf8'));
  });

  it('is valid AsyncAPI 3.0 by @asyncapi/parser: no errors, no warnings', () => {
    const problems = parsed.diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code} at ${d.path.join('.')}: ${d.message}`);
    expect(problems).toEqual([]);
    expect(parsed.document?.version()).toBe('3.0.0');
  });

  it('has a message with its payload schema and example for every event, and who sends and receives it', () => {
    const { document } = parsed;
    const bus = document!.channels().get('bus')!;
    expect(bus.address()).toBe('{eventBusName}');
    for (const event of CONTRACT_EVENTS) {
      const message = bus.messages().get(messageId(event))!;
      expect(message.title(), messageId(event)).toBe(event.detailType);
      const example = message.examples().all()[0]!;
      expect(example.payload()).toEqual(event.example);
      const validate = compile(withoutParserKeys(message.payload()!.json()) as object);
      expect(validate(event.example)).toBe(true);
      const operation = document!.operations().get(operationId(event))!;
      expect(operation.action()).toBe(event.direction === 'inbound' ? 'receive' : 'send');
      expect(
        operation
          .tags()
          .all()
          .map((t) => t.name()),
      ).toEqual(event.roles);
    }
  });

  it('says which role sends each inbound event, with its default source', () => {
    const doc = parseYaml(readFileSync(join(ROOT, 'schemas/asyncapi.yaml'), 'utf8'));
    expect(doc).toEqual(asyncApiDocument());
    const granted = doc.components.messages.ConsentGranted;
    expect(granted.examples[0].headers).toEqual({ 'detail-type': 'Consent Granted', source: 'twinguard.consent' });
    expect(doc.operations.receiveConsentGranted.tags).toEqual([{ name: 'consent' }]);
    expect(doc.operations.receiveRenderRequested.reply.messages).toEqual([
      { $ref: '#/channels/bus/messages/RenderApproved' },
      { $ref: '#/channels/bus/messages/RenderDenied' },
    ]);
    expect(doc.components.messages.TakedownFailedFromTwinGuard.headers.properties.source).toEqual({ type: 'string', const: 'twinguard' });
  });
});

/** The parser annotates schemas with `x-parser-*` keys, which strict ajv refuses. */
function withoutParserKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutParserKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !k.startsWith('x-parser-'))
      .map(([k, v]) => [k, withoutParserKeys(v)]),
  );
}

function withExtraFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withExtraFields);
  if (typeof value !== 'object' || value === null) return value;
  return { ...Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withExtraFields(v)])), xExtension: { any: ['thing'] } };
}

/** Every path to a field or array element, leaves and containers alike. */
function leafPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [...(prefix.length > 0 ? [prefix] : []), ...entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]))];
}

function setAt(root: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let node: any = root;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path.at(-1)!] = value;
}

function validWindow(grant: Record<string, unknown>): boolean {
  const { validFrom, validUntil } = grant;
  if (typeof validUntil !== 'string' || typeof validFrom !== 'string') return true;
  return Date.parse(validUntil) > Date.parse(validFrom);
}
