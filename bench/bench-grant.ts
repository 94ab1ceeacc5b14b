/**
 * The grant the decision benches approve renders under: any channel and territory, no AI
 * label required, so that every request they send is approved and takes the full write path.
 */
export function benchGrant(name: string, run: string) {
  return {
    grantId: `grant-${name}-${run}`,
    version: 1,
    twinId: `twin-${name}-${run}`,
    talentId: `talent-${name}-${run}`,
    licensee: 'brand-bench',
    validFrom: '2020-01-01T00:00:00Z',
    scope: { media: ['image'], channels: ['*'], territories: ['*'], modifications: ['garment'] },
    aiDisclosureRequired: false,
    compensation: { currency: 'EUR', perRender: 50, perPlacement: 200 },
    evidence: { documentId: 'contract-bench', signedAt: '2019-12-01T00:00:00Z' },
  };
}
