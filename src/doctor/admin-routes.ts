import type { FastifyRequest } from 'fastify';
import { adminPage } from '../admin/layout.ts';
import { html } from '../platform/http/html.ts';
import { sendHtml } from '../platform/http/reply.ts';
import type { RouteModule } from '../services.ts';
import { runDoctor, type DoctorCheck, type DoctorReport } from './checks.ts';
import { saqAEvidence } from './saq-a.ts';

export const doctorPath = '/admin/security/doctor';

const statusWord = { pass: '問題なし', warn: '要確認', fail: '要対応', info: '参考' } as const;
const severityWord = { critical: '重大', high: '高', medium: '中', low: '低', info: '—' } as const;
const checklistWord = { met: '対応済み', partial: '一部対応', operator: 'お店で対応' } as const;

function checkRow(c: DoctorCheck) {
  return html`<tr data-check="${c.id}" data-status="${c.status}"><td><span class="badge status-${c.status}">${statusWord[c.status]}</span></td><td>${severityWord[c.severity]}</td><td>${c.title}${c.fix ? html`<br><strong>対応:</strong> ${c.fix}` : ''}${c.detail ? html`<details><summary>詳細</summary><code>${c.id}</code>: ${c.detail}</details>` : ''}</td></tr>`;
}

function page(r: DoctorReport) {
  const todo = r.checks.filter((c) => c.status === 'fail' || c.status === 'warn');
  const rest = r.checks.filter((c) => c.status === 'pass' || c.status === 'info');
  return html`<p class="lead">お店のセキュリティ設定と、各防御の最新の実行結果を点検し、点数と直すことを危険度の高い順に示します。上から順に対応してください。</p>
<p class="score" data-score="${r.score}"><strong>点数: ${r.score} / 100</strong> <span class="muted small">(${r.at})</span></p>
<p class="muted">外から見たヘッダーの評価(MDN HTTP Observatory の採点方式)と公開されてはいけないパスの確認は、サーバーで <code>omamori doctor --url https://お店のURL</code> を実行すると含まれます。依存パッケージの脆弱性は <code>--audit</code> で確認できます。</p>
<section aria-labelledby="h-todo"><h2 id="h-todo">直すこと(${todo.length} 件)</h2>
${todo.length ? html`<div class="table-scroll"><table class="table doctor"><thead><tr><th scope="col">状態</th><th scope="col">危険度</th><th scope="col">内容と対応</th></tr></thead><tbody>${todo.map(checkRow)}</tbody></table></div>` : html`<p>直すことはありません。</p>`}</section>
<section aria-labelledby="h-checklist"><h2 id="h-checklist">セキュリティ・チェックリスト(クレジットカード・セキュリティガイドライン 6.0)</h2>
<p class="muted">決済代行会社やカード会社に毎年申告する項目です。お店の設定と記録から答えられる部分と、お店で行うことを示します。</p>
<div class="table-scroll"><table class="table checklist"><thead><tr><th scope="col">項目</th><th scope="col">状態</th><th scope="col">根拠</th><th scope="col">お店で行うこと</th></tr></thead>
<tbody>${r.checklist.map((i) => html`<tr data-item="${i.id}"><th scope="row">${i.title}</th><td>${checklistWord[i.status]}</td><td>${i.evidence}</td><td>${i.todo}</td></tr>`)}</tbody></table></div></section>
<section aria-labelledby="h-ok"><h2 id="h-ok">確認済み(${rest.length} 件)</h2>
<details><summary>一覧を表示</summary><div class="table-scroll"><table class="table doctor"><tbody>${rest.map(checkRow)}</tbody></table></div></details></section>
<section aria-labelledby="h-saq"><h2 id="h-saq">PCI DSS SAQ A の証跡</h2><p>決済代行会社から求められたときに渡す資料です(外部スクリプトの一覧、決済ページの監視記録、ファイル改ざん検知の記録、決済ページへのリダイレクトの設定)。個人情報やカード情報は含みません。</p>
<p><a href="${doctorPath}/saq-a.json" download>証跡をまとめてダウンロード(JSON)</a></p></section>
<p><a href="${doctorPath}.json">JSON で見る</a></p>`;
}

/** Issue 15: the self-diagnosis in the console (owners only; reading it needs no step-up). */
export const doctorAdminRoutes: RouteModule = (app, s) => {
  const report = () => runDoctor({ config: s.ctx.config, db: s.ctx.db });
  // Owners only: the report names weak spots (open ports, key locations) an attacker would like to read.
  app.get('/security/doctor', { config: { permission: 'security.emergency' } }, async (req: FastifyRequest, reply) => {
    const r = await report();
    return sendHtml(reply, adminPage(req, { title: 'セキュリティ診断', section: '/admin/security', body: page(r) }));
  });
  app.get('/security/doctor/saq-a.json', { config: { permission: 'security.emergency' } }, async (_req, reply) => {
    const pack = await saqAEvidence(s.ctx.config, s.ctx.db);
    return reply.header('cache-control', 'no-store').header('content-disposition', `attachment; filename="omamori-saq-a-evidence-${pack.generatedAt.slice(0, 10)}.json"`).send(pack);
  });
  app.get('/security/doctor.json', { config: { permission: 'security.emergency' } }, async (_req, reply) => {
    const r = await report();
    return reply.header('cache-control', 'no-store').send({ score: r.score, checks: r.checks.map(({ id, title, status, severity, fix }) => ({ id, title, status, severity, fix })), checklist: r.checklist });
  });
};
