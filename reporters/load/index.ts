// Writes the load report: load-report.json and a self-contained load-report.html. Redaction is
// done once, here, on the data: no token or shared secret reaches either file.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadReport } from '../../src/load/report.ts';
import { redactDeep } from '../redact.ts';
import { renderLoadHtml } from './html.ts';

export { renderLoadHtml } from './html.ts';
export { renderLoadText } from './text.ts';

export function renderLoadJson(report: LoadReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export async function writeLoadReports(report: LoadReport, dir: string, opts: { secrets?: string[] } = {}): Promise<{ files: string[]; clean: LoadReport }> {
  const clean = redactDeep(report, opts.secrets ?? []) as LoadReport;
  await mkdir(dir, { recursive: true });
  const outputs: [string, string][] = [
    ['load-report.json', renderLoadJson(clean)],
    ['load-report.html', renderLoadHtml(clean)],
  ];
  await Promise.all(outputs.map(([name, text]) => writeFile(join(dir, name), text, 'utf8')));
  return { files: outputs.map(([name]) => join(dir, name)), clean };
}
