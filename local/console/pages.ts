import { html, raw } from 'hono/html';
import type { AuditRecord } from '../../shared/model/records.ts';
import type { CheckAnswer } from '../../shared/use-cases/queries/check.ts';
import type { GrantView } from '../../shared/use-cases/queries/grant-view.ts';
import type { PlacementTally } from '../../shared/use-cases/queries/placement-tally.ts';
import type { FanoutProgress } from '../../shared/use-cases/queries/revocation-progress.ts';
import type { Statement } from '../../shared/use-cases/queries/statement.ts';
import type { TwinStatus } from '../../shared/use-cases/queries/status.ts';
import type { TwinList } from '../../shared/use-cases/queries/twins.ts';
import type { Html } from './layout.ts';

const list = (v: readonly string[]) => v.join(', ');
const enc = encodeURIComponent;

export function grantsTable(grants: readonly GrantView[], activeOnly = false): Html {
  const shown = activeOnly ? grants.filter((g) => g.standing === 'active') : grants;
  if (shown.length === 0) return html`<p class="muted">No ${activeOnly ? 'active ' : ''}grants.</p>`;
  return html`<table><caption class="muted">${activeOnly ? 'Active grants' : 'Grants now'}</caption>
<thead><tr><th scope="col">Grant</th><th scope="col">Version</th><th scope="col">Standing</th><th scope="col">Licensee</th><th scope="col">Valid</th><th scope="col">Media</th><th scope="col">Channels</th><th scope="col">Territories</th><th scope="col">Modifications</th><th scope="col">Fan-out</th></tr></thead>
<tbody>${shown.map(
    (g) => html`<tr><td>${g.grantId}</td><td class="n">${g.version}</td><td>${g.standing}</td><td>${g.licensee}</td>
<td>${g.validFrom.slice(0, 10)} – ${g.validUntil?.slice(0, 10) ?? 'open'}</td><td>${list(g.scope.media)}</td><td>${list(g.scope.channels)}</td>
<td>${list(g.scope.territories)}</td><td>${list(g.scope.modifications)}</td><td><a href="/grants/${enc(g.grantId)}/progress">progress</a></td></tr>`,
  )}</tbody></table>`;
}

export function placementsSection(p: PlacementTally): Html {
  const t = p.totals;
  return html`<p>${t.live} live, ${t.takedownRequested} takedown requested, ${t.takenDown} taken down, ${t.failed} failed, ${t.overdue} overdue; ${t.total} in all.
${p.cut ? html`<span class="cut">Only the first ${p.read} placements were read.</span>` : ''}</p>
${
  p.byChannel.length === 0
    ? ''
    : html`<table><caption class="muted">Placements by channel</caption><thead><tr><th scope="col">Channel</th><th scope="col">Live</th><th scope="col">Takedown requested</th><th scope="col">Taken down</th><th scope="col">Failed</th><th scope="col">Overdue</th></tr></thead>
<tbody>${p.byChannel.map(
        (c) =>
          html`<tr><td>${c.channel}</td><td class="n">${c.live}</td><td class="n">${c.takedownRequested}</td><td class="n">${c.takenDown}</td><td class="n">${c.failed}</td><td class="n">${c.overdue}</td></tr>`,
      )}</tbody></table>`
}
${p.liveByTerritory.length === 0 ? '' : html`<p>Live by territory: ${p.liveByTerritory.map((x) => `${x.territory} ${x.live}`).join(', ')}</p>`}
${
  p.openTakedowns.length === 0
    ? html`<p class="muted">No open takedowns.</p>`
    : html`<table><caption class="muted">Open takedowns, earliest deadline first${p.openTakedownsCut ? ` (the first ${p.openTakedowns.length})` : ''}</caption>
<thead><tr><th scope="col">Takedown</th><th scope="col">Channel</th><th scope="col">Placement</th><th scope="col">Reason</th><th scope="col">Deadline</th><th scope="col">State</th></tr></thead>
<tbody>${p.openTakedowns.map(
        (o) =>
          html`<tr><td>${o.takedownId}</td><td>${o.channel}</td><td>${o.placementId}</td><td>${o.reason}</td><td>${o.deadline}</td><td>${o.status}${o.overdue ? ', OVERDUE' : ''}</td></tr>`,
      )}</tbody></table>`
}`;
}

export function twinsPage(query: string, found: TwinStatus | undefined, listed: TwinList): Html {
  return html`<form method="get" action="/" role="search"><p><label for="twin">Twin id, or its beginning</label>
<input id="twin" name="twin" value="${query}" maxlength="256" autofocus> <button type="submit">Find</button></p></form>
${twinList(listed)}
${
  found === undefined
    ? ''
    : html`<section aria-labelledby="found"><h2 id="found"><a href="/twins/${enc(found.twinId)}">${found.twinId}</a></h2>
${found.grants.length === 0 && found.placements.totals.total === 0 ? html`<p>Nothing is known of this twin.</p>` : ''}
${grantsTable(found.grants, true)}${placementsSection(found.placements)}</section>`
}`;
}

function twinList(l: TwinList): Html {
  const what = l.prefix === '' ? 'Twins' : html`Twins whose id starts with <q>${l.prefix}</q>`;
  if (l.twins.length === 0)
    return html`<p id="twin-list">${l.prefix === '' ? 'No twin has a grant yet.' : html`No twin's id starts with <q>${l.prefix}</q>.`}</p>`;
  return html`<table id="twin-list"><caption class="muted">${what}${l.more ? ': the first ones; narrow the search to see the rest' : ''}</caption>
<thead><tr><th scope="col">Twin</th><th scope="col">Talents</th><th scope="col">Licensees</th><th scope="col">Grants</th></tr></thead>
<tbody>${l.twins.map(
    (t) =>
      html`<tr><td><a href="/twins/${enc(t.twinId)}">${t.twinId}</a></td><td>${list(t.talentIds)}</td><td>${list(t.licensees)}</td><td class="n">${t.grants}</td></tr>`,
  )}</tbody></table>`;
}

function timelineRows(entries: readonly AuditRecord[]): Html {
  const rows = entries.filter((e) => e.kind === 'grant' || e.kind === 'revocation');
  if (rows.length === 0) return html`<p class="muted">No grant in the trail.</p>`;
  return html`<ol>${rows.map((e) => {
    const r = e.request as Record<string, string | undefined> & { scope?: unknown };
    if (e.kind === 'revocation')
      return html`<li><time>${e.at}</time>: grant ${r.grantId} <strong>revoked</strong>${r.reason ? `: ${r.reason}` : ''}</li>`;
    const scope = (r.scope ?? {}) as Record<string, string[]>;
    return html`<li><time>${e.at}</time>: grant ${r.grantId} v${r.version} <strong>${e.outcome}</strong> for ${r.licensee},
valid ${String(r.validFrom ?? '').slice(0, 10)} – ${String(r.validUntil ?? 'open').slice(0, 10)};
media ${list(scope.media ?? [])}; channels ${list(scope.channels ?? [])}; territories ${list(scope.territories ?? [])}; modifications ${list(scope.modifications ?? [])}</li>`;
  })}</ol>`;
}

function decisionRows(entries: readonly AuditRecord[]): Html {
  const rows = entries
    .filter((e) => e.kind === 'render-decision' || e.kind === 'publication-decision')
    .slice(-100)
    .reverse();
  if (rows.length === 0) return html`<p class="muted">No decisions.</p>`;
  return html`<table><caption class="muted">Latest decisions first</caption><thead><tr><th scope="col">At</th><th scope="col">Kind</th><th scope="col">Outcome</th><th scope="col">Licensee</th><th scope="col">Grants</th><th scope="col">Reasons</th></tr></thead>
<tbody>${rows.map(
    (
      e,
    ) => html`<tr><td>${e.at}</td><td>${e.kind === 'render-decision' ? 'render' : 'publication'}</td><td>${e.outcome}</td><td>${String((e.request as Record<string, unknown>).licensee ?? '')}</td>
<td>${(e.grants ?? []).map((g) => `${g.grantId} v${g.version}`).join(', ')}</td><td>${(e.reasons ?? []).map((r) => html`<div>${r.code}: ${r.message}</div>`)}</td></tr>`,
  )}</tbody></table>`;
}

export function twinPage(s: TwinStatus, trail: readonly AuditRecord[], trailCut: boolean, usage: Statement[]): Html {
  const lines = usage.flatMap((st) => st.lines.filter((l) => l.twinId === s.twinId));
  const totals = new Map<string, number>();
  for (const l of lines) totals.set(l.currency, (totals.get(l.currency) ?? 0) + Math.round(l.amount * 10_000));
  return html`<h2>Grants</h2>${grantsTable(s.grants)}
<h3>Timeline of versions</h3>${timelineRows(trail)}
<h2>Placements</h2>${placementsSection(s.placements)}
<h2>Decisions</h2>${trailCut ? html`<p class="cut">The trail holds more lines than one page reads; these are the first.</p>` : ''}${decisionRows(trail)}
<h2>Usage this month</h2>
${
  lines.length === 0
    ? html`<p class="muted">No paid use this month.</p>`
    : html`<p>${lines.length} paid uses: ${[...totals].map(([c, u]) => `${c} ${u / 10_000}`).join(', ')}.
${usage.map((st) => html` <a href="/statements?talent=${enc(st.talentId)}&amp;month=${st.month}">Statement of ${st.talentId}</a>`)}</p>`
}`;
}

export function progressPage(p: FanoutProgress): Html {
  const field = (name: keyof FanoutProgress, label: string) =>
    html`<dt>${label}</dt><dd data-field="${name}">${String(p[name] ?? '')}</dd>`;
  return html`<p>Grant ${p.grantId}${p.twinId ? html` of twin <a href="/twins/${enc(p.twinId)}">${p.twinId}</a>` : ''}.</p>
${p.cause === undefined ? html`<p class="muted">No revocation, expiry or narrowing of this grant has started yet; this page updates when one does.</p>` : ''}
<p role="status" aria-live="polite" id="state" class="${p.finished ? 'ok' : 'denied'}">${stateText(p)}</p>
<dl>${field('cause', 'Cause')}${field('startedAt', 'Started')}${field('elapsedSeconds', 'Seconds since start')}${field('placements', 'Placements')}
${field('takedownsRequested', 'Takedowns requested')}${field('completed', 'Completed')}${field('failed', 'Failed')}${field('overdue', 'Overdue')}${field('open', 'Open')}</dl>
${p.cut ? html`<p class="cut">The grant has more placements than one read covers; counts are of the first ones.</p>` : ''}
<noscript><p>Reload the page to see it move on.</p></noscript>
<script>${raw(POLL)}</script>`;
}

export function stateText(p: FanoutProgress): string {
  if (p.cause === undefined) return 'Not started.';
  if (p.finished) return `Finished: every takedown is completed or failed (${p.elapsedSeconds} s).`;
  return p.scanDone ? 'Waiting for the channels to confirm.' : 'Reading placements and requesting takedowns.';
}

/** The only client code: polls the JSON of the same page every second until the fan-out finishes. */
const POLL = `(() => {
  const url = location.pathname + '.json';
  const tick = async () => {
    try {
      const r = await fetch(url, { headers: { accept: 'application/json' } });
      if (r.ok) {
        const p = await r.json();
        for (const el of document.querySelectorAll('[data-field]')) el.textContent = p[el.dataset.field] ?? '';
        const s = document.getElementById('state');
        s.textContent = p.stateText;
        s.className = p.finished ? 'ok' : 'denied';
        if (p.finished) return;
      }
    } catch {}
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
})();`;

export function statementForm(talent: string, month: string): Html {
  return html`<form method="get" action="/statements"><p><label for="talent">Talent id</label><input id="talent" name="talent" value="${talent}" maxlength="256" required></p>
<p><label for="month">Month</label><input id="month" name="month" value="${month}" placeholder="YYYY-MM" maxlength="7" pattern="\\d{4}-\\d{2}" required></p>
<p><button type="submit">Show statement</button></p></form>`;
}

export function statementSection(s: Statement): Html {
  return html`<p><a href="/statements.csv?talent=${enc(s.talentId)}&amp;month=${s.month}" download>Download as CSV</a></p>
${s.cut ? html`<p class="cut">The month holds more lines than one statement reads; lines and totals are of the first ${s.lines.length}.</p>` : ''}
<table id="totals"><caption>Totals per currency</caption><thead><tr><th scope="col">Currency</th><th scope="col">Renders</th><th scope="col">Placements</th><th scope="col">Amount</th></tr></thead>
<tbody>${s.totals.length === 0 ? html`<tr><td colspan="4">Nothing is owed for this month.</td></tr>` : ''}${s.totals.map(
    (t) =>
      html`<tr><td>${t.currency}</td><td class="n">${t.renders}</td><td class="n">${t.placements}</td><td class="n">${t.amount}</td></tr>`,
  )}</tbody></table>
<table><caption>Paid uses</caption><thead><tr><th scope="col">At</th><th scope="col">Kind</th><th scope="col">Twin</th><th scope="col">Grant</th><th scope="col">Licensee</th><th scope="col">Amount</th><th scope="col">Currency</th><th scope="col">Use</th><th scope="col">Log record</th></tr></thead>
<tbody>${s.lines.map(
    (l) =>
      html`<tr><td>${l.at}</td><td>${l.kind}</td><td><a href="/twins/${enc(l.twinId)}">${l.twinId}</a></td><td>${l.grantId}</td><td>${l.licensee ?? ''}</td><td class="n">${l.amount}</td><td>${l.currency}</td><td>${l.refId}</td><td class="rid">${l.recordId}</td></tr>`,
  )}</tbody></table>`;
}

export interface CheckFields {
  twin: string;
  licensee: string;
  medium: string;
  channel: string;
  territories: string;
  modifications: string;
  unlabelled: boolean;
}

export function checkForm(f: CheckFields): Html {
  const input = (name: keyof CheckFields, label: string, hint = '', required = false) =>
    html`<p><label for="${name}">${label}</label><input id="${name}" name="${name}" value="${String(f[name])}" maxlength="2000" ${required ? 'required' : ''}> <span class="muted">${hint}</span></p>`;
  return html`<form method="get" action="/check">
${input('twin', 'Twin id', 'several with commas', true)}${input('licensee', 'Licensee', 'the brand', true)}${input('medium', 'Medium', 'image, video…', true)}
${input('channel', 'Channel', 'empty for a render')}${input('territories', 'Territories', 'e.g. SE,DE')}${input('modifications', 'Modifications', 'e.g. garment,pose')}
<p><label for="unlabelled">Not labelled as AI</label><input type="checkbox" id="unlabelled" name="unlabelled" value="1" ${f.unlabelled ? 'checked' : ''}></p>
<p><button type="submit">May we?</button></p></form>`;
}

export function checkResult(a: CheckAnswer): Html {
  if (a.approved) {
    return html`<div class="ok" role="status" id="answer"><p><strong>Yes.</strong> Approved now (${a.at}), resting on ${a.grants.map((g) => `${g.grantId} v${g.version}`).join(', ')}.</p></div>`;
  }
  return html`<div class="denied" role="status" id="answer"><p><strong>No.</strong> It would be denied now (${a.at}), because:</p>
<ul>${a.reasons.map((r) => html`<li><code>${r.code}</code> ${r.message}</li>`)}</ul></div>`;
}
