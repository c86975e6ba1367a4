/**
 * A small SVG line chart, enough for the benchmark report: lines (optionally as steps), horizontal
 * reference rules, axes with round ticks and a legend. Written here because a plotting library would
 * be far heavier than this.
 */

export interface ChartPoint {
  readonly t: number;
  readonly v: number;
}

export interface ChartLine {
  readonly name: string;
  readonly points: readonly ChartPoint[];
  readonly color: string;
  /** Hold each value until the next point (a controller's limit changes once per epoch). */
  readonly step?: boolean;
}

export interface ChartRule {
  readonly y: number;
  readonly label: string;
  readonly color: string;
}

export interface ChartOptions {
  readonly width: number;
  readonly height: number;
  readonly title?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly lines: readonly ChartLine[];
  readonly rules?: readonly ChartRule[];
}

const MARGIN = { left: 52, right: 12, top: 24, bottom: 36 };
const LEGEND_ROW = 12;
/** Legend text is laid out by an estimate of its width; 10 px sans-serif averages about this. */
const CHAR_WIDTH = 5.6;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** About `count` round tick values from 0 to at least `max`. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Math.round(v * 1e9) / 1e9);
  return ticks;
}

function label(v: number): string {
  return Math.abs(v) >= 1000 ? `${Math.round(v / 100) / 10}k` : String(Math.round(v * 100) / 100);
}

function path(points: readonly ChartPoint[], step: boolean, x: (t: number) => number, y: (v: number) => number): string {
  let d = '';
  points.forEach((p, i) => {
    const px = x(p.t).toFixed(1);
    const py = y(p.v).toFixed(1);
    if (i === 0) d += `M${px},${py}`;
    else if (step) d += `H${px}V${py}`;
    else d += `L${px},${py}`;
  });
  return d;
}

interface LegendItem {
  readonly name: string;
  readonly color: string;
  readonly x: number;
  /** Row below the plot, from 0. */
  readonly row: number;
}

/** The legend goes below the plot, in rows that wrap, so that it never hides a line. */
function legendItems(o: ChartOptions): LegendItem[] {
  const entries = [...o.lines.map((l) => ({ name: l.name, color: l.color })), ...(o.rules ?? []).map((r) => ({ name: r.label, color: r.color }))];
  const items: LegendItem[] = [];
  let x = MARGIN.left;
  let row = 0;
  for (const e of entries) {
    const w = 24 + CHAR_WIDTH * e.name.length;
    if (x + w > o.width && x > MARGIN.left) {
      x = MARGIN.left;
      row++;
    }
    items.push({ ...e, x, row });
    x += w;
  }
  return items;
}

export function lineChart(o: ChartOptions): string {
  const placed = legendItems(o);
  const rows = placed.reduce((n, i) => Math.max(n, i.row + 1), 0);
  const height = o.height + rows * LEGEND_ROW;
  const all = o.lines.flatMap((l) => l.points);
  const xTicks = niceTicks(Math.max(1e-9, ...all.map((p) => p.t)));
  const yTicks = niceTicks(Math.max(1e-9, ...all.map((p) => p.v), ...(o.rules ?? []).map((r) => r.y)));
  const xMax = xTicks.at(-1)!;
  const yMax = yTicks.at(-1)!;
  const plotW = o.width - MARGIN.left - MARGIN.right;
  const plotH = o.height - MARGIN.top - MARGIN.bottom;
  const legend = placed.map((i) => ({ ...i, y: o.height + (i.row + 1) * LEGEND_ROW - 4 }));
  const x = (t: number): number => MARGIN.left + (t / xMax) * plotW;
  const y = (v: number): number => MARGIN.top + plotH - (v / yMax) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${o.width}" height="${height}" viewBox="0 0 ${o.width} ${height}" font-family="sans-serif" font-size="10">`,
  ];
  if (o.title) parts.push(`<text x="${MARGIN.left}" y="14" font-size="11" font-weight="bold">${escapeXml(o.title)}</text>`);
  for (const v of yTicks) {
    parts.push(`<line x1="${MARGIN.left}" x2="${o.width - MARGIN.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${MARGIN.left - 4}" y="${(y(v) + 3).toFixed(1)}" text-anchor="end">${label(v)}</text>`);
  }
  for (const t of xTicks) {
    parts.push(`<text x="${x(t).toFixed(1)}" y="${MARGIN.top + plotH + 12}" text-anchor="middle">${label(t)}</text>`);
  }
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${o.height - 4}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  parts.push(
    `<text transform="translate(11 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`,
  );
  for (const r of o.rules ?? []) {
    parts.push(`<line x1="${MARGIN.left}" x2="${o.width - MARGIN.right}" y1="${y(r.y).toFixed(1)}" y2="${y(r.y).toFixed(1)}" stroke="${r.color}" stroke-dasharray="5 3"/>`);
  }
  for (const l of o.lines) {
    if (l.points.length === 0) continue;
    parts.push(`<path d="${path(l.points, l.step ?? false, x, y)}" fill="none" stroke="${l.color}" stroke-width="1.4"/>`);
  }
  for (const item of legend) {
    parts.push(`<line x1="${item.x}" x2="${item.x + 14}" y1="${item.y - 3}" y2="${item.y - 3}" stroke="${item.color}" stroke-width="2"/>`);
    parts.push(`<text x="${item.x + 18}" y="${item.y}">${escapeXml(item.name)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}
