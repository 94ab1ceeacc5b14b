/**
 * The chart next to bench/results.json (bench/results.svg): each figure against its floor, one
 * row per figure, the two bars on the row's own scale (the figures have different units), the
 * ratio (floor / TwinGuard) at the end. Plain SVG, written here: no charting dependency.
 */

export interface ChartRow {
  label: string;
  unit: string;
  twinguard: number;
  /** Absent for a figure with no floor (it is drawn alone, against its target if any). */
  floor?: number;
  /** Shown beside the ratio, e.g. "target ≥ 0.7". */
  target?: string;
}

const WIDTH = 860;
const LABEL = 250;
const BAR = 330;
const ROW = 54;

export function chartSvg(title: string, subtitle: string, rows: readonly ChartRow[]): string {
  const height = 70 + rows.length * ROW + 30;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${xml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="16" font-weight="bold">${xml(title)}</text>`,
    `<text x="10" y="42" fill="#555">${xml(subtitle)}</text>`,
    `<rect x="${LABEL}" y="52" width="12" height="10" fill="#1f6feb"/><text x="${LABEL + 16}" y="61">TwinGuard</text>`,
    `<rect x="${LABEL + 100}" y="52" width="12" height="10" fill="#999"/><text x="${LABEL + 116}" y="61">floor (raw SDK calls)</text>`,
  ];
  rows.forEach((row, i) => {
    const y = 74 + i * ROW;
    const scale = Math.max(row.twinguard, row.floor ?? 0) || 1;
    const width = (v: number) => Math.max(1, (v / scale) * BAR);
    parts.push(`<text x="10" y="${y + 16}">${xml(row.label)}</text>`);
    parts.push(`<rect x="${LABEL}" y="${y}" width="${width(row.twinguard).toFixed(1)}" height="18" fill="#1f6feb"/>`);
    parts.push(`<text x="${(LABEL + width(row.twinguard) + 4).toFixed(1)}" y="${y + 13}">${fmt(row.twinguard)} ${xml(row.unit)}</text>`);
    if (row.floor !== undefined) {
      parts.push(`<rect x="${LABEL}" y="${y + 21}" width="${width(row.floor).toFixed(1)}" height="14" fill="#999"/>`);
      parts.push(
        `<text x="${(LABEL + width(row.floor) + 4).toFixed(1)}" y="${y + 32}" fill="#555">${fmt(row.floor)} ${xml(row.unit)}</text>`,
      );
    }
    const ratio = row.floor === undefined ? '' : `ratio ${(row.floor / row.twinguard).toFixed(2)}`;
    const note = [ratio, row.target ?? ''].filter(Boolean).join(', ');
    if (note) parts.push(`<text x="${WIDTH - 10}" y="${y + 16}" text-anchor="end" fill="#333">${xml(note)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function fmt(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : String(Number(value.toFixed(2)));
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
