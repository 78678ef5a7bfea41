import { html, type SafeHtml } from '../platform/http/html.ts';
import { formatYen, type Locale } from '../platform/i18n/index.ts';
import type { DayFigure } from './dashboard-figures.ts';
import { t } from './messages.ts';

const w = 720;
const h = 220;
const pad = { left: 64, right: 8, top: 12, bottom: 28 };

/** A round top for the axis: 1, 2 or 5 times a power of ten, at least the largest day. */
export function niceMax(v: number): number {
  if (v <= 0) return 10_000;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].map((k) => k * p).find((x) => x >= v) ?? 10 * p);
}

const md = (day: string) => `${Number(day.slice(5, 7))}/${Number(day.slice(8, 10))}`;

/**
 * The last 30 days' sales as bars, drawn on the server as SVG (no script; T6: nothing from a third party). Each bar
 * has a title (the browser shows it on hover), and the same numbers are in a table under it for screen readers and
 * for anyone who prefers to read them.
 */
export function salesChart(days: DayFigure[], l: Locale): SafeHtml {
  const max = niceMax(Math.max(0, ...days.map((d) => d.sales)));
  const plotW = w - pad.left - pad.right;
  const plotH = h - pad.top - pad.bottom;
  const step = plotW / Math.max(1, days.length);
  const barW = Math.max(2, step * 0.7);
  const y = (v: number) => pad.top + plotH - (v / max) * plotH;
  const ticks = [0, max / 2, max];
  const total = days.reduce((s, d) => s + d.sales, 0);
  return html`<figure class="sales-chart">
<figcaption>${t(l, 'chartCaption', { total: formatYen(total, l) })}</figcaption>
<svg viewBox="0 0 ${w} ${h}" width="100%" role="img" aria-labelledby="sales-chart-title" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">
<title id="sales-chart-title">${t(l, 'chartTitle')}</title>
${ticks.map((v) => html`<line x1="${pad.left}" x2="${w - pad.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#d9d9d9" stroke-width="1"/><text x="${pad.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#555">${formatYen(Math.round(v), l)}</text>`)}
${days.map((d, i) => {
    const x = pad.left + i * step + (step - barW) / 2;
    const top = y(d.sales);
    return html`<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${(pad.top + plotH - top).toFixed(1)}" fill="#2f6f4f" data-day="${d.day}" data-sales="${d.sales}"><title>${md(d.day)}: ${formatYen(d.sales, l)}（${t(l, 'chartOrders', { n: d.orders })}）</title></rect>${i % 5 === 0 || i === days.length - 1 ? html`<text x="${(x + barW / 2).toFixed(1)}" y="${h - 8}" text-anchor="middle" font-size="11" fill="#555">${md(d.day)}</text>` : ''}`;
  })}
</svg>
<details><summary>${t(l, 'chartTable')}</summary>
<div class="table-scroll"><table class="table sales-days"><thead><tr><th scope="col">${t(l, 'chartDay')}</th><th scope="col" class="num">${t(l, 'chartSales')}</th><th scope="col" class="num">${t(l, 'chartOrderCount')}</th></tr></thead>
<tbody>${days.map((d) => html`<tr><td>${d.day}</td><td class="num">${formatYen(d.sales, l)}</td><td class="num">${d.orders}</td></tr>`)}</tbody></table></div>
</details>
</figure>`;
}
