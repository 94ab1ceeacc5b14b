import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { readMain, READ_COMMANDS, USAGES } from '../../local/cli/read/commands.ts';
import { csvCell } from '../../local/cli/read/render-text.ts';
import { table } from '../../local/cli/read/table.ts';
import { grantDetail, ids, publicationDetail, publishedDetail, renderDetail } from '../support/fixtures.ts';
import { tables, world } from '../support/harness.ts';
import { runReevaluations } from '../support/reevaluations.ts';

const NOW = '2035-06-10T12:00:00Z';
const where = ['--dynamodb-endpoint', inject('dynamoEndpoint'), '--consent-table', tables.consent, '--audit-table', tables.audit];

async function read(command: (typeof READ_COMMANDS)[number], args: string[], width = 120) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await readMain(command, [...args, ...where], { out: (l) => out.push(l), err: (l) => err.push(l), width }, {});
  return { code, out, err, text: out.join('\n') };
}

/** A twin with one grant (EUR 50 a render, 200 a placement), a render, and two placements on instagram in SE. */
async function season() {
  const w = world(NOW, 3600);
  const id = ids();
  const grant = grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent, validUntil: '2036-01-01T00:00:00Z' });
  await w.send('Consent Granted', grant);
  await w.send('Render Requested', renderDetail({ twinIds: [id.twin] }));
  const pub = publicationDetail({ twinIds: [id.twin], assetId: `a-${id.u}`, territories: ['SE'] });
  await w.send('Publication Requested', pub);
  for (let i = 0; i < 2; i++) {
    const p = { assetId: pub.assetId, channel: pub.channel, twinIds: [id.twin], publicationId: pub.publicationId, territories: ['SE'] };
    await w.send('Asset Published', publishedDetail({ ...p, placementId: `p-${id.u}-${i}` }));
  }
  return { ...w, id };
}

describe('twinguard status, check, history, statement', () => {
  it('twins lists the twins by the beginning of their id, as a table and as JSON; a bad prefix exits 2', async () => {
    const { id } = await season();
    const listed = await read('twins', ['--prefix', id.twin]);
    expect(listed.code).toBe(0);
    expect(listed.text).toContain(`twins whose id starts with "${id.twin}": 1`);
    expect(listed.out.find((l) => l.startsWith(id.twin))).toMatch(new RegExp(`^${id.twin}\\s+${id.talent}\\s+brand-hm\\s+1$`));
    const json = await read('twins', ['--prefix', id.twin, '--json']);
    expect(JSON.parse(json.text)).toEqual({
      prefix: id.twin,
      twins: [{ twinId: id.twin, talentIds: [id.talent], licensees: ['brand-hm'], grants: 1 }],
      more: false,
    });
    const none = await read('twins', ['--prefix', `${id.twin}-nobody`]);
    expect(none.text).toBe(`no twins whose id starts with "${id.twin}-nobody"`);
    const bad = await read('twins', ['--prefix', 'x'.repeat(300_000)]);
    expect(bad.code).toBe(2);
    expect(bad.err[0]).toMatch(/--prefix must be an id of 1 to 256 characters/);
    expect((await read('twins', ['--limit', '0'])).code).toBe(2);
  });

  it('status of a twin as a table that fits the width, and as JSON', async () => {
    const { id } = await season();
    const wide = await read('status', ['--twin', id.twin]);
    expect(wide.code).toBe(0);
    expect(wide.text).toContain('placements: 2 live, 0 takedown requested, 0 taken down, 0 failed, 0 overdue, 2 in all');
    expect(wide.text).toContain('live by territory: SE 2');
    const narrow = await read('status', ['--twin', id.twin], 60);
    expect(narrow.code).toBe(0);
    expect(narrow.out.length).toBeGreaterThan(wide.out.length);
    for (const line of narrow.out) expect(line.length).toBeLessThanOrEqual(60);
    const json = await read('status', ['--twin', id.twin, '--json']);
    expect(JSON.parse(json.text)).toMatchObject({
      twinId: id.twin,
      grants: [{ grantId: id.grant, standing: 'active' }],
      placements: { totals: { live: 2 } },
    });
  });

  it('status of a grant tells how its revocation is going', async () => {
    const { id, send, deps, publisher } = await season();
    await send('Consent Revoked', { grantId: id.grant, twinId: id.twin, revokedAt: NOW });
    await runReevaluations(deps, publisher);
    const s = await read('status', ['--grant', id.grant]);
    expect(s.code).toBe(0);
    expect(s.text).toMatch(/CONSENT_REVOKED since .*: waiting for the channels/);
    expect(s.text).toContain('2 placements, 2 takedowns requested, 0 completed, 0 failed, 0 overdue, 2 open');
    const json = JSON.parse((await read('status', ['--grant', id.grant, '--json'])).text);
    expect(json.progress).toMatchObject({ takedownsRequested: 2, open: 2, finished: false });
  });

  it('check prints the decision with every reason and exits 0', async () => {
    const { id } = await season();
    const denied = await read('check', [
      '--twin',
      id.twin,
      '--licensee',
      'brand-hm',
      '--medium',
      'image',
      '--channel',
      'tiktok',
      '--territory',
      'JP,SE',
      '--unlabelled',
    ]);
    expect(denied.code).toBe(0);
    expect(denied.out[0]).toMatch(/^DENIED at /);
    expect(denied.text).toContain('TERRITORY_NOT_ALLOWED');
    expect(denied.text).toContain('AI_DISCLOSURE_MISSING');
    const approved = await read('check', ['--twin', id.twin, '--licensee', 'brand-hm', '--medium', 'image', '--modification', 'garment']);
    expect(approved.out[0]).toMatch(new RegExp(`^APPROVED at .*${id.grant} v1`));
  });

  it("history shows a fan-out batch's requested line as its takedowns, each findable by its index", async () => {
    const w = await season();
    await w.send('Consent Revoked', { grantId: w.id.grant, twinId: w.id.twin, revokedAt: '2035-06-10T12:00:00Z' });
    await runReevaluations(w.deps, w.publisher);
    const sent = w.publisher.ofType('Takedown Requested').map((t) => t.takedownId as string);
    expect(sent).toHaveLength(2);
    const batch = sent[0]!.slice(0, sent[0]!.lastIndexOf('_'));
    const h = await read('history', ['--twin', w.id.twin], 200);
    const row = h.out.find((l) => l.includes('#requested'))!;
    expect(row).toMatch(new RegExp(`takedown\\s+2 takedowns requested: CONSENT_REVOKED\\s+${w.id.grant} v1\\s+${batch}#requested: _0 _1$`));
    const json = JSON.parse((await read('history', ['--twin', w.id.twin, '--json'])).text);
    const line = json.entries.find((e: { recordId: string }) => e.recordId === `takedown:${batch}#requested`);
    expect(line.request.takedowns.map((t: { takedownId: string }) => t.takedownId).sort()).toEqual([...sent].sort());
  });

  it('history lists decisions within --from/--to; statement totals and CSV match the ledger', async () => {
    const { id } = await season();
    const h = await read('history', ['--twin', id.twin, '--from', '2035-06-10', '--to', '2035-06-10T23:00:00+00:00', '--json']);
    const kinds = JSON.parse(h.text).entries.map((e: { kind: string }) => e.kind);
    expect(kinds.sort()).toEqual(['grant', 'placement', 'placement', 'publication-decision', 'render-decision']);
    expect(JSON.parse((await read('history', ['--twin', id.twin, '--to', '2035-06-09', '--json'])).text).entries).toEqual([]);
    const s = await read('statement', ['--talent', id.talent, '--month', '2035-06']);
    expect(s.text).toContain('EUR 450 (1 renders, 2 placements)');
    const csv = await read('statement', ['--talent', id.talent, '--month', '2035-06', '--csv']);
    expect(csv.out[0]).toBe('at,kind,talentId,twinId,grantId,licensee,amount,currency,refId,recordId');
    expect(csv.out.slice(1).map((l) => l.split(',').slice(1, 8).join(','))).toEqual(
      expect.arrayContaining([
        `render,${id.talent},${id.twin},${id.grant},brand-hm,50,EUR`,
        `placement,${id.talent},${id.twin},${id.grant},brand-hm,200,EUR`,
      ]),
    );
    expect(csv.out).toHaveLength(4);
    expect(csv.out.slice(1).map((l) => l.split(',').at(-1))).toEqual(
      JSON.parse((await read('statement', ['--talent', id.talent, '--month', '2035-06', '--json'])).text).lines.map(
        (l: { recordId: string }) => l.recordId,
      ),
    );
    // With --proofs: the same answer printed, and the file written beside it. This world's log is its own
    // (a namespace the command does not read), so here every line is listed as not sealed yet, none dropped.
    const file = join(mkdtempSync(join(tmpdir(), 'statement-')), 'proofs.json');
    const proven = await read('statement', ['--talent', id.talent, '--month', '2035-06', '--proofs', file]);
    expect(proven.code).toBe(0);
    expect(proven.text).toBe(s.text);
    expect(proven.err).toEqual([
      expect.stringMatching(/^twinguard statement: wrote .*proofs\.json: 0 of 3 line\(s\) proven against .*; 3 not sealed yet$/),
    ]);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc).toMatchObject({ format: 'twinguard.statement/v1', talentId: id.talent, month: '2035-06', cut: false });
    expect(doc.lines.map((l: Record<string, unknown>) => [l['sealed'], (l['record'] as Record<string, unknown>)['type']])).toEqual([
      [false, 'usage'],
      [false, 'usage'],
      [false, 'usage'],
    ]);
  });

  it('exits 2 saying what would be right, before reading anything', async () => {
    const cases: [(typeof READ_COMMANDS)[number], string[], RegExp][] = [
      ['status', [], /give exactly one of --twin ID and --grant ID/],
      ['status', ['--twin', 'x'.repeat(300_000)], /an id of 1 to 256 characters, got 300000 characters/],
      ['check', ['--twin', 'x', '--licensee', 'b'], /give the medium|the medium must be/],
      ['check', ['--twin', 'x', '--licensee', 'b', '--medium', 'image', '--territory', 'SE'], /a territory needs a channel/],
      ['history', ['--twin', 'x', '--from', 'yesterday'], /--from must be a day \(2026-03-01\) or an instant/],
      ['history', ['--twin', 'x', '--from', '2035-02-01', '--to', '2035-01-01'], /--from .* is after --to/],
      ['history', ['--twin', 'x', '--limit', '5000'], /--limit must be a whole number from 1 to 1000/],
      ['statement', ['--talent', 't', '--month', '2035-13'], /the month must be YYYY-MM/],
      ['statement', ['--talent', 't', '--month', '2035-01', '--proofs', ''], /--proofs takes a file name/],
      ['statement', ['--talent', 't', '--month', '2035-01', '--colour'], /Unknown option '--colour'/],
    ];
    for (const [command, args, message] of cases) {
      const run = await read(command, args);
      expect(run.code, `${command} ${args.join(' ').slice(0, 80)}`).toBe(2);
      expect(run.err.join('\n')).toMatch(message);
      expect(run.out).toEqual([]);
    }
  });

  it('exits 1 saying what to do when a table cannot be read', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    const args = [
      '--twin',
      'x',
      '--dynamodb-endpoint',
      inject('dynamoEndpoint'),
      '--consent-table',
      'NoSuchTable',
      '--audit-table',
      'NoSuchTable',
    ];
    expect(await readMain('status', args, io, {})).toBe(1);
    expect(err.join('\n')).toContain('a table of');
  });

  it('--help of each prints its usage', async () => {
    for (const command of READ_COMMANDS) {
      const out: string[] = [];
      expect(await readMain(command, ['--help'], { out: (l) => out.push(l), err: () => {} }, {})).toBe(0);
      expect(out.join('\n')).toBe(USAGES[command]);
    }
  });

  it('a table cuts its widest columns to fit; a CSV cell is quoted and never a formula', () => {
    const lines = table(['a', 'b'], [['x'.repeat(50), 'y'.repeat(50)]], 40);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(40);
    expect(lines[2]).toContain('…');
    // The first column, the row's id, stays whole while another column can give way.
    const ids = table(['id', 'note'], [['grant-twin-0123456789', 'z'.repeat(80)]], 40);
    expect(ids[2]).toMatch(/^grant-twin-0123456789 {2}z+…$/);
    expect(ids[2]!.length).toBe(40);
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('-12.5')).toBe('-12.5');
  });
});
