import { html, type SafeHtml } from '../platform/http/html.ts';
import type { HourCount } from './queries.ts';

export interface ChartText {
  title: string;
  summary: string;
  /** Label of a bar, e.g. "12/05 14:00 — 8". */
  bar: (h: HourCount) => string;
  /** Short day label for the axis, e.g. "12/05". */
  day: (d: Date) => string;
}

const width = 840;
const height = 160;
const top = 14;
const bottom = 22;
const left = 36;

/**
 * Signals per hour as an inline SVG bar chart: server-rendered, no script, CSP-safe (no style attributes:
 * the colours are classes in admin.css), readable by screen readers through <title>/<desc> and each bar's
 * <title>. One bar per hour that had signals; the x axis is the `hours` hours ending now, a tick per day.
 */
export function hourlyChart(counts: HourCount[], end: Date, hours: number, text: ChartText): SafeHtml {
  const start = Math.floor(end.getTime() / 3600_000) - hours + 1;
  const plotW = width - left - 4;
  const plotH = height - top - bottom;
  const slot = plotW / hours;
  const max = Math.max(1, ...counts.map((c) => c.count));
  const scaleMax = niceMax(max);
  const bars = counts
    .map((c) => ({ c, i: Math.floor(c.hour.getTime() / 3600_000) - start }))
    .filter((b) => b.i >= 0 && b.i < hours)
    .map(({ c, i }) => {
      const h = Math.max(2, (c.count / scaleMax) * plotH);
      return html`<rect class="bar bar-${c.worst}" x="${(left + i * slot).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${Math.max(1, slot - 1).toFixed(1)}" height="${h.toFixed(1)}" data-count="${c.count}"><title>${text.bar(c)}</title></rect>`;
    });
  const days: SafeHtml[] = [];
  for (let i = 0; i < hours; i++) {
    const t = new Date((start + i) * 3600_000);
    // A tick at each midnight in Tokyo (UTC+9), where the shop's day starts.
    if ((t.getUTCHours() + 9) % 24 !== 0) continue;
    const x = (left + i * slot).toFixed(1);
    days.push(html`<line class="tick" x1="${x}" x2="${x}" y1="${top}" y2="${top + plotH}"></line><text class="axis" x="${x}" y="${height - 6}">${text.day(t)}</text>`);
  }
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="none">
<title id="chart-title">${text.title}</title>
<desc id="chart-desc">${text.summary}</desc>
<line class="axis-line" x1="${left}" x2="${width - 4}" y1="${top + plotH}" y2="${top + plotH}"></line>
<text class="axis" x="2" y="${top + 8}">${scaleMax}</text><text class="axis" x="2" y="${top + plotH}">0</text>
${days}
${bars}
</svg>`;
}

function niceMax(n: number): number {
  for (const step of [5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000]) if (n <= step) return step;
  return Math.ceil(n / 10_000) * 10_000;
}
