import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/**
 * Plain, readable without scripts or external assets: system fonts, visible focus, links
 * and forms a keyboard reaches in order.
 */
const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fafafa}
header{background:#1f3b57;color:#fff;padding:.6rem 1rem;display:flex;gap:1.2rem;align-items:baseline;flex-wrap:wrap}
header a{color:#fff}header .where{margin-left:auto;font-size:.85rem;opacity:.85}
main{padding:1rem;max-width:72rem}
table{border-collapse:collapse;margin:.4rem 0 1rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef2f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
a:focus,button:focus,input:focus,select:focus{outline:3px solid #f0a500;outline-offset:1px}
.error{background:#fde8e8;border:1px solid #c0392b;padding:.5rem .8rem}
.ok{background:#e6f4ea;border:1px solid #2e7d32;padding:.5rem .8rem}
.denied{background:#fff4e5;border:1px solid #b45309;padding:.5rem .8rem}
form label{display:inline-block;min-width:9rem}form p{margin:.35rem 0}
.muted{color:#555}.cut{color:#8a4b00}
td.rid{font:12px/1.3 ui-monospace,monospace;word-break:break-all;max-width:18rem}
`;

export function page(title: string, where: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · TwinGuard</title><style>${STYLE}</style></head>
<body>
<header><strong>TwinGuard</strong>
<nav aria-label="main"><a href="/">Twins</a> · <a href="/check">May we?</a> · <a href="/statements">Statements</a></nav>
<span class="where">${where}</span></header>
<main id="main"><h1>${title}</h1>
${body}
</main>
</body></html>`;
}

export function errorBox(message: string): Html {
  return html`<p class="error" role="alert">${message}</p>`;
}
