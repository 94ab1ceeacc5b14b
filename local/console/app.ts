import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { checkUse } from '../../shared/use-cases/queries/check.ts';
import { MAX_HISTORY_LIMIT, twinHistory } from '../../shared/use-cases/queries/history.ts';
import type { QueryDeps } from '../../shared/use-cases/queries/query-deps.ts';
import { fanoutProgress } from '../../shared/use-cases/queries/revocation-progress.ts';
import { statement } from '../../shared/use-cases/queries/statement.ts';
import { twinStatus } from '../../shared/use-cases/queries/status.ts';
import { findTwins } from '../../shared/use-cases/queries/twins.ts';
import { aMonth, anId, checkRequest, InputError } from '../cli/read/inputs.ts';
import { statementCsv } from '../cli/read/render-text.ts';
import { errorBox, page, type Html } from './layout.ts';
import {
  checkForm,
  checkResult,
  progressPage,
  stateText,
  statementForm,
  statementSection,
  twinPage,
  twinsPage,
  type CheckFields,
} from './pages.ts';

/** A query parameter, cut to `max` characters: a 300 KB URL costs nothing more than a short one. */
function param(c: Context, name: string, max = 2000): string {
  return (c.req.query(name) ?? '').slice(0, max + 1);
}

/**
 * The console: server-rendered pages over the query layer, read-only. `where` names what it
 * reads (the local runtime or a stack); `log` hears about failures (the page never shows a stack trace).
 */
export function consoleApp(deps: QueryDeps, where: string, log: (line: string) => void = () => {}): Hono {
  const app = new Hono();
  const render = (c: Context, title: string, body: Html, status: 200 | 400 | 403 | 404 | 500 = 200) =>
    c.html(page(title, where, body), status);

  // Only this machine's names: a web page elsewhere cannot reach the console by rebinding a DNS name to 127.0.0.1.
  app.use(async (c, next) => {
    const host = (c.req.header('host') ?? '').toLowerCase();
    if (!/^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/.test(host)) {
      return render(c, 'Not here', errorBox('The console answers on 127.0.0.1 or localhost only.'), 403);
    }
    await next();
  });

  app.get('/', async (c) => {
    const query = param(c, 'twin').trim();
    if (query === '') return render(c, 'Twins', twinsPage('', undefined, await findTwins(deps, '')));
    const twinId = anId('the twin id', query);
    // The search is a prefix; a twin whose id is exactly the query is shown in full above the list.
    const [status, listed] = await Promise.all([twinStatus(deps, twinId), findTwins(deps, twinId)]);
    const exact = listed.twins.some((t) => t.twinId === twinId) || status.placements.totals.total > 0;
    return render(c, 'Twins', twinsPage(twinId, exact ? status : undefined, listed));
  });

  app.get('/twins/:id', async (c) => {
    const twinId = anId('the twin id', c.req.param('id'));
    const status = await twinStatus(deps, twinId);
    const trail = await twinHistory(deps, twinId, {}, { limit: MAX_HISTORY_LIMIT });
    const month = deps.clock.now().toISOString().slice(0, 7);
    const talents = [...new Set(status.grants.map((g) => g.talentId))].slice(0, 5);
    const usage = await Promise.all(talents.map((t) => statement(deps, t, month)));
    return render(c, `Twin ${twinId}`, twinPage(status, trail.entries, trail.cut, usage));
  });

  app.get('/grants/:id/progress', async (c) => {
    const grantId = anId('the grant id', c.req.param('id'));
    return render(c, `Fan-out of grant ${grantId}`, progressPage(await fanoutProgress(deps, grantId)));
  });

  app.get('/grants/:id/progress.json', async (c) => {
    const p = await fanoutProgress(deps, anId('the grant id', c.req.param('id')));
    return c.json({ ...p, stateText: stateText(p) });
  });

  app.get('/statements', async (c) => {
    const talent = param(c, 'talent');
    const month = param(c, 'month', 7) || deps.clock.now().toISOString().slice(0, 7);
    if (talent === '') return render(c, 'Statements', statementForm('', month));
    const form = statementForm(talent.slice(0, 256), month);
    try {
      const s = await statement(deps, anId('the talent id', talent), aMonth(month));
      return render(c, `Statement of ${s.talentId} for ${s.month}`, html`${form}${statementSection(s)}`);
    } catch (error) {
      if (error instanceof InputError) return render(c, 'Statements', html`${errorBox(error.message)}${form}`, 400);
      throw error;
    }
  });

  app.get('/statements.csv', async (c) => {
    const s = await statement(deps, anId('the talent id', param(c, 'talent')), aMonth(param(c, 'month', 7)));
    const name = `statement-${s.talentId.replace(/[^\w.-]/g, '_').slice(0, 64)}-${s.month}.csv`;
    return c.body(`${statementCsv(s).join('\r\n')}\r\n`, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
    });
  });

  app.get('/check', async (c) => {
    const fields: CheckFields = {
      twin: param(c, 'twin'),
      licensee: param(c, 'licensee'),
      medium: param(c, 'medium'),
      channel: param(c, 'channel'),
      territories: param(c, 'territories'),
      modifications: param(c, 'modifications'),
      unlabelled: param(c, 'unlabelled') !== '',
    };
    const shown = Object.fromEntries(
      Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? v.slice(0, 300) : v]),
    ) as unknown as CheckFields;
    if (fields.twin === '' && fields.licensee === '' && fields.medium === '') return render(c, 'May we?', checkForm(shown));
    try {
      const request = checkRequest({
        twins: [fields.twin],
        licensee: fields.licensee.trim(),
        medium: fields.medium,
        channel: fields.channel,
        territories: [fields.territories],
        modifications: [fields.modifications],
        unlabelled: fields.unlabelled,
      });
      return render(c, 'May we?', html`${checkForm(shown)}${checkResult(await checkUse(deps, request))}`);
    } catch (error) {
      if (error instanceof InputError) return render(c, 'May we?', html`${errorBox(error.message)}${checkForm(shown)}`, 400);
      throw error;
    }
  });

  app.notFound((c) => render(c, 'Not found', html`<p>No such page. <a href="/">Back to the twins</a>.</p>`, 404));

  app.onError((error, c) => {
    if (error instanceof InputError) return render(c, 'Not quite', errorBox(error.message), 400);
    log(`console: ${c.req.method} ${c.req.path.slice(0, 200)} failed: ${error.name}: ${error.message}`);
    return render(
      c,
      'Something went wrong',
      errorBox(
        `TwinGuard's tables could not be read (${where}). Is it still running? Try again in a moment; the console's terminal says more.`,
      ),
      500,
    );
  });
  return app;
}
