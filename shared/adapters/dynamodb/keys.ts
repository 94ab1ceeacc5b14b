import { createHash } from 'node:crypto';

/**
 * Key layout of the consent table (single-table design, `pk`/`sk` strings).
 *
 * | item                | pk                          | sk                             |
 * |---------------------|-----------------------------|--------------------------------|
 * | grant (per twin)    | TWIN#<twinId>               | GRANT#<grantId>                |
 * | grant state by id   | GRANT#<grantId>             | STATE                          |
 * | placement           | PLACEMENT#<channel>#<id>    | PLACEMENT                      |
 * | twin's placement    | TWIN#<twinId>               | PLACEMENT#<channel>#<id>       |
 * | grant's placement   | GRANT#<grantId>             | PLACEMENT#<channel>#<id>       |
 * | publication         | PUBLICATION#<publicationId> | PUBLICATION                    |
 * | asset's approvals   | ASSET#<assetId>             | PUBLICATION#<channel>#<pubId>  |
 * | takedown            | TAKEDOWN#<takedownId>       | TAKEDOWN                       |
 * | a batch's takedowns | TAKEDOWN#<batchId>          | TAKEDOWN (ids <batchId>_<n>)   |
 * | receipt (outbox)    | RECEIPT#<kind>#<businessId> | RECEIPT                        |
 * | writes left (split) | RECEIPT#<kind>#<businessId> | PENDING                        |
 * | its outbox was sent | RECEIPT#<kind>#<businessId> | PUBLISHED                      |
 * | twin directory      | DIRECTORY#TWINS             | TWIN#<twinId>#GRANT#<grantId>  |
 * | removal certificate | CERTIFICATE#<certificateId> | MANIFEST, PAGE#<n>             |
 * | grant's certificate | CERTIFICATE#GRANT#<grantId> | <jobId>                        |
 *
 * All grants of a twin are one strongly consistent Query on the base table, so a decision
 * costs one round trip per twin and never reads a lagging index.
 * Id parts are URI-encoded so that an id containing `#` cannot forge another key. An
 * encoded part longer than MAX_PART_BYTES (an id of up to 256 characters can encode to 2,304
 * bytes) is replaced by `=` and its SHA-256 in base64url (`=` never appears in an encoded
 * part), so that every key stays within DynamoDB's limits (2,048 bytes for a partition key,
 * 1,024 for a sort key) however its ids are spelled: the longest key, two parts and a
 * prefix, is under 850 bytes.
 */
export const MAX_PART_BYTES = 400;

function part(value: string): string {
  const encoded = encodeURIComponent(value);
  return encoded.length <= MAX_PART_BYTES ? encoded : `=${createHash('sha256').update(value, 'utf8').digest('base64url')}`;
}

export const keys = {
  twin: (twinId: string) => `TWIN#${part(twinId)}`,
  grantSort: (grantId: string) => `GRANT#${part(grantId)}`,
  grantPrefix: 'GRANT#',
  grantState: (grantId: string) => ({ pk: `GRANT#${part(grantId)}`, sk: 'STATE' }),
  grant: (twinId: string, grantId: string) => ({ pk: keys.twin(twinId), sk: keys.grantSort(grantId) }),
  placement: (channel: string, placementId: string) => ({ pk: `PLACEMENT#${part(channel)}#${part(placementId)}`, sk: 'PLACEMENT' }),
  placementSort: (channel: string, placementId: string) => `PLACEMENT#${part(channel)}#${part(placementId)}`,
  placementPrefix: 'PLACEMENT#',
  grantPlacements: (grantId: string) => `GRANT#${part(grantId)}`,
  publication: (publicationId: string) => ({ pk: `PUBLICATION#${part(publicationId)}`, sk: 'PUBLICATION' }),
  assetApprovals: (assetId: string) => `ASSET#${part(assetId)}`,
  assetApprovalSort: (channel: string, publicationId: string) => `PUBLICATION#${part(channel)}#${part(publicationId)}`,
  assetApprovalPrefix: (channel: string) => `PUBLICATION#${part(channel)}#`,
  takedown: (takedownId: string) => ({ pk: `TAKEDOWN#${part(takedownId)}`, sk: 'TAKEDOWN' }),
  receipt: (kind: string, businessId: string) => ({ pk: `RECEIPT#${part(kind)}#${part(businessId)}`, sk: 'RECEIPT' }),
  /** What a commit too large for one transaction has still to write (see DynamoConsentStore.commitPlacement). */
  pendingWrites: (kind: string, businessId: string) => ({ pk: keys.receipt(kind, businessId).pk, sk: 'PENDING' }),
  /** A small item beside the receipt: marking the outbox sent costs one write unit, whatever the outbox's size. */
  receiptPublished: (kind: string, businessId: string) => ({ pk: `RECEIPT#${part(kind)}#${part(businessId)}`, sk: 'PUBLISHED' }),
  /**
   * One entry per grant, so that the twins can be listed and searched by the beginning of
   * their id (TwinGuard has no other list of twins). One item per grant rather than per twin:
   * two grants of one twin committed at once write different items and never conflict.
   * A single partition is fine here: grants are given by people, a few a minute at most.
   */
  twinDirectory: (twinId: string, grantId: string) => ({ pk: TWIN_DIRECTORY_PK, sk: `TWIN#${part(twinId)}#GRANT#${part(grantId)}` }),
  twinDirectoryPk: () => TWIN_DIRECTORY_PK,
  /** Sort-key prefix of the twins whose id starts with `prefix`: encoding is per character, so it keeps prefixes. */
  twinDirectoryPrefix: (prefix: string) => `TWIN#${encodeURIComponent(prefix)}`,
  /** A certificate of removal: its signed manifest (`MANIFEST`) and its pages (`PAGE#<n>`), under an id new per attempt. */
  certificate: (certificateId: string) => `CERTIFICATE#${part(certificateId)}`,
  /**
   * The certificates of a grant, one per fan-out job. An encoded certificate id has no `#`,
   * so this partition can never be a certificate's.
   */
  grantCertificate: (grantId: string, jobId: string) => ({ pk: `CERTIFICATE#GRANT#${part(grantId)}`, sk: part(jobId) }),
};

const TWIN_DIRECTORY_PK = 'DIRECTORY#TWINS';

/**
 * Key layout of the audit table: append-only, written with `attribute_not_exists`
 * and granted PutItem only.
 *
 * | item          | pk                | sk                                            |
 * |---------------|-------------------|-----------------------------------------------|
 * | audit record  | TWIN#<twinId>     | AUDIT#<at>#<recordId>                         |
 * | usage         | TALENT#<talentId> | USAGE#<yyyy-mm>#<at>#<kind>#<refId>#<twinId>  |
 */
export const auditKeys = {
  audit: (twinId: string, at: string, recordId: string) => ({ pk: keys.twin(twinId), sk: `AUDIT#${at}#${part(recordId)}` }),
  usage: (talentId: string, at: string, kind: string, refId: string, twinId: string) => ({
    pk: `TALENT#${part(talentId)}`,
    sk: `USAGE#${at.slice(0, 7)}#${at}#${kind}#${part(refId)}#${part(twinId)}`,
  }),
  usagePrefix: (month: string) => `USAGE#${month}#`,
  talent: (talentId: string) => `TALENT#${part(talentId)}`,
};

/**
 * The due queue: work that must happen at a time (a grant's expiry, a takedown's deadline,
 * a webhook retry). Items are spread over a few partitions so that a revocation of a twin
 * with 100,000 placements does not write them all to one, and sorted by time inside each,
 * so that "everything due by now" is one query per shard, however long the runtime slept.
 */
export const DUE_SHARDS = 8;

export const dueKeys = {
  /** `namespace` is empty when deployed; tests that share a table each use their own. */
  shard: (n: number, namespace = '') => `DUE#${namespace ? `${part(namespace)}#` : ''}${n}`,
  item: (dueAt: string, kind: string, id: string, namespace = '') => {
    const sk = `${dueAt}#${kind}#${part(id)}`;
    return { pk: dueKeys.shard(shardOf(sk), namespace), sk };
  },
  job: (jobId: string) => ({ pk: `JOB#${part(jobId)}`, sk: 'JOB' }),
  delivery: (takedownId: string) => ({ pk: `DELIVERY#${part(takedownId)}`, sk: 'DELIVERY' }),
  /**
   * A channel's deliveries that failed finally, for an operator to re-drive them: one item
   * per takedown, its `status` kept in step with the delivery (`failed` until settled).
   * The second `#` keeps these apart from `delivery` keys, whose ids are encoded.
   */
  failedDeliveries: (channel: string) => `DELIVERY#CHANNEL#${part(channel)}`,
  failedDelivery: (channel: string, takedownId: string) => ({ pk: dueKeys.failedDeliveries(channel), sk: `FAILED#${part(takedownId)}` }),
};

function shardOf(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) >>> 0;
  return hash % DUE_SHARDS;
}

/**
 * The first part of every partition key, by kind of item: what IAM's `dynamodb:LeadingKeys`
 * can tell apart. The construct grants each function writes under the prefixes it needs
 * (infra/function-access.ts); a new kind of item needs its prefix added there too.
 */
export const PK_PREFIXES = {
  twin: 'TWIN#',
  grant: 'GRANT#',
  placement: 'PLACEMENT#',
  publication: 'PUBLICATION#',
  asset: 'ASSET#',
  takedown: 'TAKEDOWN#',
  receipt: 'RECEIPT#',
  due: 'DUE#',
  job: 'JOB#',
  delivery: 'DELIVERY#',
  directory: 'DIRECTORY#',
  certificate: 'CERTIFICATE#',
} as const;

export type PkPrefix = (typeof PK_PREFIXES)[keyof typeof PK_PREFIXES];

/**
 * The audit table's partition-key prefixes: audit lines per twin, usage per talent, and the
 * transparency log's items (log-keys.ts): every writer puts a marker under `LOG#PENDING#`
 * and checks a fence under `LOG#FENCE#`; only the sealer writes the rest of `LOG#`.
 */
export const AUDIT_PK_PREFIXES = {
  twin: 'TWIN#',
  talent: 'TALENT#',
  logPending: 'LOG#PENDING#',
  logFence: 'LOG#FENCE#',
  log: 'LOG#',
} as const;

export type AuditPkPrefix = (typeof AUDIT_PK_PREFIXES)[keyof typeof AUDIT_PK_PREFIXES];
