import { toJSONSchema } from 'zod/v4/core';
import type { ContractEvent } from './contract.ts';

export type JsonObject = { [key: string]: unknown };

/**
 * `draft-2020-12` for the published files; `draft-4` for the EventBridge schema registry,
 * which takes only JSONSchemaDraft4 and OpenApi3.
 */
export type JsonSchemaTarget = 'draft-2020-12' | 'draft-4';

/**
 * The JSON Schema of an event's `detail`, made from the zod schema the handlers validate with.
 * Input mode: an object says nothing of fields it does not know (no `additionalProperties:
 * false`), because the contract allows unknown extra fields and consumers must ignore them.
 * Refinements that JSON Schema cannot say (a grant's `validUntil` after its `validFrom`)
 * are in the description instead.
 */
export function detailJsonSchema(event: ContractEvent, target: JsonSchemaTarget = 'draft-2020-12'): JsonObject {
  const { $schema, ...body } = toJSONSchema(event.schema, { io: 'input', target, unrepresentable: 'throw' }) as JsonObject;
  return {
    $schema,
    title: event.detailType,
    description: `${event.summary} ${event.description}`,
    ...body,
    // `examples` came with draft 6; draft 4 tools would only trip over it.
    ...(target === 'draft-2020-12' ? { examples: [event.example] } : {}),
  };
}

/**
 * The JSON Schema of the whole EventBridge event as a target receives it (the envelope), with
 * the event's `detail` schema inside: what a schema registry holds, so that code bindings
 * and the console describe what a rule's target gets.
 */
export function envelopeJsonSchema(event: ContractEvent, source: string, target: JsonSchemaTarget = 'draft-2020-12'): JsonObject {
  const { $schema, title, description, ...detail } = detailJsonSchema(event, target);
  const text = { type: 'string' };
  return {
    $schema,
    title,
    description,
    type: 'object',
    required: ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail'],
    properties: {
      version: text,
      id: text,
      'detail-type': { type: 'string', enum: [event.detailType] },
      source: { type: 'string', enum: [source] },
      account: text,
      time: { type: 'string', format: 'date-time' },
      region: text,
      resources: { type: 'array', items: text },
      detail,
    },
  };
}
