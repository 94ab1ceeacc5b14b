/**
 * What a consent credential adds to an approval, locally: building the claims, RFC 8785
 * encoding and an ES256 signature with the local key file's key (in process, no network),
 * against a render decision itself (`decide` over the twins' grants, no storage), side by
 * side in one run. Deployed, the signature is one KMS Sign call instead (a network round
 * trip inside the region), which this cannot measure.
 *
 *   npm run bench:credentials -- --decisions 2000 --twins 1
 */
import { parseArgs } from 'node:util';
import { LocalKeySigner, newPrivateJwk } from '../shared/adapters/signing/local-key-signer.ts';
import { decide } from '../shared/model/consent/decide.ts';
import type { Grant } from '../shared/model/consent/grant.ts';
import { issueCredential } from '../shared/use-cases/issue-credential.ts';

const { values } = parseArgs({ options: { decisions: { type: 'string', default: '2000' }, twins: { type: 'string', default: '1' } } });
const n = Number(values.decisions);
const twinCount = Number(values.twins);
const now = new Date('2026-03-01T12:00:00Z');
const twinIds = Array.from({ length: twinCount }, (_, i) => `twin-${i}`);
const grants = new Map<string, Grant[]>(
  twinIds.map((twinId, i) => [
    twinId,
    [
      {
        grantId: `grant-${i}`,
        version: 1,
        twinId,
        talentId: `talent-${i}`,
        licensee: 'brand-hm',
        validFrom: '2026-01-01T00:00:00Z',
        validUntil: '2026-12-31T23:59:59Z',
        scope: { media: ['image'], channels: ['*'], territories: ['*'], modifications: ['garment', 'background'] },
        aiDisclosureRequired: false,
        evidence: { documentId: 'c', signedAt: '2025-12-01T00:00:00Z' },
      },
    ],
  ]),
);
const use = { licensee: 'brand-hm', medium: 'image', modifications: ['garment'] };
const deps = { credentials: await LocalKeySigner.fromJwk(await newPrivateJwk()) };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(label: string, work: (i: number) => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < 200; i++) await work(i); // warm-up
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await work(i);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  const p50 = percentile(times, 50);
  console.log(`${label}: p50 ${p50.toFixed(3)} ms, p99 ${percentile(times, 99).toFixed(3)} ms (${n} runs, ${twinCount} twin(s))`);
  return p50;
}

const decision = decide(twinIds, grants, use, now);
if (!decision.approved) throw new Error('the bench decision must be approved');
const decideMs = await measure('decide (no storage)', () => decide(twinIds, grants, use, now));
let size = 0;
const signMs = await measure('credential: claims + RFC 8785 + ES256 (local key)', async (i) => {
  const jws = await issueCredential(
    deps,
    { kind: 'render', decisionId: `dec-${i}`, requestId: `r-${i}`, twinIds, ...use },
    decision.covering,
    now,
  );
  size = jws!.length;
});
console.log(
  `credential size: ${size} characters; adds ${signMs.toFixed(3)} ms per approval locally (decide alone: ${decideMs.toFixed(3)} ms)`,
);
