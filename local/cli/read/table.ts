/**
 * A plain-text table that fits `width` columns: the widest columns give way first, their
 * cells cut with `…`, but none below 6 characters (a table that still does not fit wraps);
 * the first column last.
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], width: number): string[] {
  const cells = [headers, ...rows].map((r) => r.map((c) => c.replace(/\s+/g, ' ')));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const GAP = 2;
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1);
  // The first column names the row (a grant, a twin): people copy it into the next command,
  // so it gives way only when every other column is down to its minimum.
  const widestOf = (from: number) => {
    let at = -1;
    for (let i = from; i < widths.length; i++) if (widths[i]! > 6 && (at < 0 || widths[i]! > widths[at]!)) at = i;
    return at;
  };
  while (total() > width) {
    const widest = widestOf(1) >= 0 ? widestOf(1) : widestOf(0);
    if (widest < 0) break;
    widths[widest]!--;
  }
  const clip = (text: string, w: number) => (text.length <= w ? text.padEnd(w) : `${text.slice(0, w - 1)}…`);
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => clip(c ?? '', widths[i]!))
      .join(' '.repeat(GAP))
      .trimEnd();
  return [line(cells[0]!), widths.map((w) => '─'.repeat(w)).join(' '.repeat(GAP)), ...cells.slice(1).map(line)];
}

/** The terminal's width, or 100 when the output is not a terminal (a pipe, a file). */
export function terminalWidth(stream: { columns?: number } = process.stdout): number {
  return stream.columns !== undefined && stream.columns > 20 ? stream.columns : 100;
}

/** Breaks a line of prose at spaces to fit `width` (a word longer than the width stays whole), indenting what follows. */
export function wrap(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const indent = `${/^\s*/.exec(line)?.[0] ?? ''}  `;
  const out: string[] = [];
  let current = '';
  for (const word of line.trimStart().split(' ')) {
    const lead = out.length === 0 && current === '' ? (/^\s*/.exec(line)?.[0] ?? '') : current === '' ? indent : '';
    const next = current === '' ? `${lead}${word}` : `${current} ${word}`;
    if (next.length > width && current !== '') {
      out.push(current);
      current = `${indent}${word}`;
    } else current = next;
  }
  if (current !== '') out.push(current);
  return out;
}
