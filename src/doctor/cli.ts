import { loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { runDoctor, type DoctorReport } from './checks.ts';
import { cycloneDxSbom } from './sbom.ts';
import { saqAEvidence } from './saq-a.ts';

type Out = Pick<Console, 'log' | 'error'>;

const mark = { pass: 'OK  ', warn: 'WARN', fail: 'FAIL', info: 'INFO' } as const;

export function printReport(r: DoctorReport, out: Out = console): void {
  out.log(`セキュリティ診断 / security self-diagnosis  ${r.at}`);
  out.log(`点数 / score: ${r.score} / 100${r.observatory ? `   ヘッダー評価 / headers: ${r.observatory.grade} (${r.observatory.score}, ${r.observatory.url})` : ''}\n`);
  out.log('直すこと(危険度の高い順) / fixes, by risk:');
  const todo = r.checks.filter((c) => c.status === 'fail' || c.status === 'warn');
  if (!todo.length) out.log('  なし / none');
  for (const c of todo) out.log(`  ${mark[c.status]} [${c.severity}] ${c.title}\n         → ${c.fix}${c.detail ? `\n           (${c.detail})` : ''}`);
  out.log('\n確認済み / passed:');
  for (const c of r.checks.filter((c) => c.status === 'pass' || c.status === 'info')) out.log(`  ${mark[c.status]} ${c.title}`);
  out.log('\nセキュリティ・チェックリスト(クレジットカード・セキュリティガイドライン) / Japanese EC checklist:');
  for (const i of r.checklist) out.log(`  [${i.status === 'met' ? '対応済' : i.status === 'partial' ? '一部' : '要対応'}] ${i.title}${i.todo ? `\n         お店で行うこと: ${i.todo}` : ''}`);
}

/**
 * `omamori doctor [--json] [--url URL] [--audit]`: configuration, state of the protections, dependencies, host ports and,
 * with --url, the headers and exposed paths as a browser sees them. Exit 1 when any check fails.
 * `omamori doctor sbom`: a CycloneDX SBOM (JSON) of the running build on stdout.
 */
export const doctorCommand = {
  summary: 'security self-diagnosis: score and fixes [--json] [--url URL] [--audit]; `doctor sbom` prints a CycloneDX SBOM, `doctor saq-a` the SAQ A evidence pack',
  async run(args: string[]): Promise<number> {
    if (args[0] === 'sbom') {
      process.stdout.write(await cycloneDxSbom({ omitDev: !args.includes('--dev') }));
      return 0;
    }
    if (args[0] === 'saq-a') {
      const config = loadConfig();
      const handle = await openDatabase(config);
      try {
        await migrate(handle);
        console.log(JSON.stringify(await saqAEvidence(config, handle.db), null, 2));
        return 0;
      } finally {
        await handle.close();
      }
    }
    const json = args.includes('--json');
    const i = args.indexOf('--url');
    const url = i >= 0 ? args[i + 1] : undefined;
    if (i >= 0 && (!url || !/^https?:\/\//.test(url))) {
      console.error('usage: omamori doctor [--json] [--url https://shop.example/] [--audit]');
      return 2;
    }
    const config = loadConfig();
    const handle = await openDatabase(config);
    try {
      await migrate(handle);
      const report = await runDoctor({ config, db: handle.db, url, npmAudit: args.includes('--audit') });
      if (json) console.log(JSON.stringify({ score: report.score, checks: report.checks.map(({ id, title, status, severity, fix }) => ({ id, title, status, severity, fix })), checklist: report.checklist, observatory: report.observatory }, null, 2));
      else printReport(report);
      return report.checks.some((c) => c.status === 'fail') ? 1 : 0;
    } finally {
      await handle.close();
    }
  },
};
