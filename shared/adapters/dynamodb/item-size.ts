/**
 * DynamoDB's limits on a write, and the size of an item as DynamoDB counts it
 * ("Item sizes and formats" in the Developer Guide): attribute names and strings in UTF-8
 * bytes, a number about one byte per two significant digits plus one, a boolean or null one
 * byte, a list or map 3 bytes plus 1 per element. Undefined attributes are not written
 * (the document client removes them), so they count nothing.
 */
export const DYNAMO_LIMITS = {
  /** Actions in one TransactWriteItems call. */
  transactionItems: 100,
  /** Aggregate size of the items of one transaction. */
  transactionBytes: 4 * 1024 * 1024,
  /** Size of one item. */
  itemBytes: 400 * 1024,
} as const;

export function itemSize(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += Buffer.byteLength(name, 'utf8') + valueSize(value);
  }
  return size;
}

function valueSize(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return numberSize(String(value));
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + valueSize(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + (v === undefined ? 1 : valueSize(v)), 0);
  if (typeof value === 'object') return 3 + Object.keys(value).length + itemSize(value as Record<string, unknown>);
  return 0;
}

/** Up to 38 significant digits, 1 byte per 2 of them, plus 1. */
function numberSize(text: string): number {
  const digits = text.replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}
