import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lost, placementCount } from '../../local/demo/play.ts';
import { CHANNELS, COMPENSATION, season, type Channel, type TwinPlan } from '../../local/demo/season.ts';
import { isAlive, ROOT } from '../e2e/support.ts';

/**
 * `npm run demo -- --size small --json` end to end: its summary is what the season is built to
 * produce (computed here from the season's definition), and nothing it started is left running.
 */
describe('npm run demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinguard-demo-'));
  const data = join(dir, 'state');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('plays the small season, sums it up as defined, and stops the runtime, Java and the partner', async () => {
    const child = spawn('npm', ['run', '--silent', 'demo', '--', '--size', 'small', '--json', '--data', data], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout);

    const s = season('small');
    const twin = (id: string) => s.twins.find((t) => t.twinId === id)!;
    const pairs = s.twins.flatMap((t) => Object.keys(t.placements));
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(summary.decisions).toEqual({
      'Publication Approved': pairs.length,
      'Publication Denied': s.denials.filter((d) => d.kind === 'publication').length,
      'Render Approved': sum(s.twins.map((t) => t.renders)),
      'Render Denied': s.denials.filter((d) => d.kind === 'render').length,
    });
    expect(summary.denialsByReason).toEqual(Object.fromEntries(s.denials.map((d) => [d.code, 1]).sort()));

    // Takedowns: the narrowed twin's lost channels, every placement of the revoked and the expired twin.
    const narrowed = twin(s.narrowed.twinId);
    const expected: Record<string, number> = {};
    const add = (t: TwinPlan, keep: (c: Channel) => boolean) => {
      for (const [c, n] of Object.entries(t.placements)) if (keep(c as Channel)) expected[c] = (expected[c] ?? 0) + n;
    };
    add(narrowed, (c) => !s.narrowed.scope.channels.includes(c));
    add(twin(s.revoked.twinId), () => true);
    add(twin(s.expiring.twinId), () => true);
    expect(summary.takedowns).toEqual(
      Object.fromEntries(
        Object.entries(expected)
          .sort()
          .map(([c, n]) => [c, { requested: n, completed: n, failed: 0 }]),
      ),
    );
    expect(summary.fanouts.map((f: { cause: string; twinId: string; takedowns: number }) => [f.cause, f.twinId, f.takedowns])).toEqual([
      ['SCOPE_NARROWED', narrowed.twinId, lost(narrowed, s.narrowed.scope)],
      ['CONSENT_REVOKED', s.revoked.twinId, placementCount(twin(s.revoked.twinId))],
      ['CONSENT_EXPIRED', s.expiring.twinId, placementCount(twin(s.expiring.twinId))],
    ]);
    for (const f of summary.fanouts) expect(f.secondsToLastConfirmation).toBeGreaterThanOrEqual(0);
    // The partner verified the signature of every webhook takedown, each once, and refused none.
    const webhook = Object.keys(CHANNELS).filter((c) => CHANNELS[c as Channel] === 'webhook');
    expect(summary.webhooks).toEqual(Object.fromEntries(webhook.map((c) => [c, { verified: expected[c] ?? 0, refused: 0 }])));

    const talent = s.twins.find((t) => t.talentId === s.statementTalent)!;
    const placements = placementCount(talent);
    expect(summary.statement).toEqual({
      talentId: s.statementTalent,
      month: expect.stringMatching(/^\d{4}-\d\d$/),
      lines: talent.renders + placements,
      totals: [
        {
          currency: COMPENSATION.currency,
          renders: talent.renders,
          placements,
          amount: talent.renders * COMPENSATION.perRender + placements * COMPENSATION.perPlacement,
        },
      ],
    });

    // Nothing left: not the runtime, not DynamoDB Local's Java (both name the state folder), not the partner or the console.
    expect(isAlive(summary.runtimePid)).toBe(false);
    const left = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(data));
    expect(left).toEqual([]);
    await expect(fetch(summary.partnerUrl)).rejects.toThrow();
    await expect(fetch(summary.consoleUrl)).rejects.toThrow();
  }, 240_000);
});
