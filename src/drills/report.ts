import { html } from '../platform/http/html.ts';
import type { DrillReport } from './runner.ts';

const word = { stopped: '防いだ / stopped', caught: '検知した / caught', missed: '見逃した / missed' } as const;

/** The report a person reads: one table per drill, each step's result, time and what was lost. No script, no inline style. */
export function drillReportHtml(r: DrillReport): string {
  const steps = r.drills.flatMap((d) => d.steps);
  const missed = steps.filter((s) => s.result === 'missed').length;
  return html`<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>omamori 訓練報告 / drill report #${r.runId}</title></head>
<body>
<h1>攻撃訓練の報告 / Breach drill report #${r.runId}</h1>
<p>対象 / target: <code>${r.target}</code><br>${r.startedAt} – ${r.finishedAt}</p>
<p><strong>${missed ? `見逃し ${missed} 件: 対策が必要です / ${missed} missed: action needed` : 'すべて防いだか検知しました / every step stopped or caught'}</strong>
(${steps.length} 手順: 防いだ ${steps.filter((s) => s.result === 'stopped').length}、検知 ${steps.filter((s) => s.result === 'caught').length}、見逃し ${missed})</p>
<p>訓練で出たアラートは「[訓練 / DRILL]」と表示され、自動で確認済みになっています。 / The drill's alerts are labelled "[訓練 / DRILL]" and were closed.</p>
${r.drills.map(
  (d) => html`<section><h2>${d.id}: ${d.title}</h2>
<table><thead><tr><th>手順 / step</th><th>結果 / result</th><th>秒 / seconds</th><th>失ったもの / lost</th><th>メモ / note</th></tr></thead>
<tbody>${d.steps.map((s) => html`<tr data-result="${s.result}"><td>${s.name}</td><td>${word[s.result]}</td><td>${s.seconds}</td><td>${s.lost}</td><td>${s.note ?? ''}</td></tr>`)}</tbody></table>
${d.notRun.length ? html`<p>この訓練で行わなかった手順 / not run: ${d.notRun.join('; ')}</p>` : ''}</section>`,
)}
</body></html>`.toString();
}
