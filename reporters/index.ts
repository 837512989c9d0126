// One call that writes every report format. Redaction happens here, once, on the data, so no
// writer can forget it and every format shows the same "<redacted>" marker.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ComplianceReport } from '../src/model.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { redactDeep } from './redact.ts';

export { renderHtml } from './html.ts';
export { renderJson } from './json.ts';
export { renderJunit } from './junit.ts';
export { renderMarkdown } from './markdown.ts';
export { redact, redactDeep, REDACTED } from './redact.ts';

/** The report formats: a new one is a writer module plus one line here. */
export const REPORT_FORMATS: readonly { file: string; render: (report: ComplianceReport) => string }[] = [
  { file: 'compliance.json', render: renderJson },
  { file: 'compliance.html', render: renderHtml },
  { file: 'compliance.md', render: renderMarkdown },
  { file: 'junit.xml', render: renderJunit },
];

export interface WriteReportsOptions {
  /** Literal secrets (tokens, shared secrets, passwords) the harness used; each is blanked wherever it appears. */
  secrets?: string[];
}

export async function writeReports(report: ComplianceReport, dir: string, opts: WriteReportsOptions = {}): Promise<{ files: string[] }> {
  // redactDeep keeps the shape: it only rewrites strings and blanks credential-named values.
  const clean = redactDeep(report, opts.secrets ?? []) as ComplianceReport;
  await mkdir(dir, { recursive: true });
  const files = REPORT_FORMATS.map((f) => join(dir, f.file));
  await Promise.all(REPORT_FORMATS.map((f) => writeFile(join(dir, f.file), f.render(clean), 'utf8')));
  return { files };
}
