import { describe, expect, it } from 'vitest';
import { consoleApp } from '../../local/console/app.ts';
import { wireQueries } from '../../shared/adapters/wire.ts';
import { grantDetail, ids, renderDetail } from '../support/fixtures.ts';
import { db, tables, world } from '../support/harness.ts';

/** The console's routes without a browser: headers, bounds and errors (the browser tests cover the pages). */
describe('console routes', () => {
  const w = world('2035-06-10T12:00:00Z');
  const logged: string[] = [];
  const app = consoleApp({ queries: wireQueries({ db, tables }), clock: w.clock }, 'test tables', (l) => logged.push(l));
  const get = (path: string, host = '127.0.0.1:4020') => app.request(path, { headers: { host } });

  it('answers only to this machine’s host names', async () => {
    expect((await get('/', 'localhost:4020')).status).toBe(200);
    const rebound = await get('/', 'evil.example:4020');
    expect(rebound.status).toBe(403);
    expect(await rebound.text()).toContain('127.0.0.1 or localhost only');
  });

  it('a statement downloads as CSV with its totals’ lines', async () => {
    const id = ids();
    await w.send(
      'Consent Granted',
      grantDetail({ grantId: id.grant, twinId: id.twin, talentId: id.talent, validUntil: '2036-01-01T00:00:00Z' }),
    );
    await w.send('Render Requested', renderDetail({ twinIds: [id.twin], modifications: ['garment'] }));
    const csv = await get(`/statements.csv?talent=${id.talent}&month=2035-06`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="statement-${id.talent}-2035-06.csv"`);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`,render,${id.talent},${id.twin},${id.grant},brand-hm,50,EUR,`);
  });

  it('bad input: a clear message and 400, never a stack trace; a 300 KB parameter costs no more', async () => {
    const cases: [string, RegExp][] = [
      ['/statements?talent=t&month=2035-13', /the month must be YYYY-MM/],
      [`/check?twin=${'x'.repeat(300_000)}&licensee=b&medium=image`, /each twin must be an id of 1 to 256 characters/],
      ['/check?twin=a&licensee=b&medium=image&territories=SE', /a territory needs a channel/],
      [`/twins/${'y'.repeat(300)}`, /the twin id must be an id of 1 to 256 characters/],
      ['/statements.csv?talent=t&month=nope', /YYYY-MM/],
    ];
    for (const [path, message] of cases) {
      const res = await get(path);
      expect(res.status, path.slice(0, 60)).toBe(400);
      const body = await res.text();
      expect(body).toMatch(message);
      expect(body).not.toMatch(/\n\s+at /);
      expect(body.length).toBeLessThan(20_000);
    }
    expect((await get('/nowhere')).status).toBe(404);
    expect(logged).toEqual([]);
  });

  it('a failure to read is a page that says what to do, logged for the operator', async () => {
    const broken = consoleApp(
      { queries: wireQueries({ db, tables: { consent: 'NoSuchTable', audit: 'NoSuchTable' } }), clock: w.clock },
      'test tables',
      (l) => logged.push(l),
    );
    const res = await broken.request('/twins/x', { headers: { host: '127.0.0.1' } });
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).toContain('could not be read (test tables)');
    expect(body).not.toContain('ResourceNotFoundException');
    expect(logged.at(-1)).toMatch(/ResourceNotFoundException/);
  });
});
