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

export interface WriteReportsOptions {
  /** Literal secrets (tokens, shared secrets, passwords) the harness used; each is blanked wherever it appears. */
  secrets?: string[];
}

export async function writeReports(report: ComplianceReport, dir: string, opts: WriteReportsOptions = {}): Promise<{ files: string[] }> {
  // redactDeep keeps the shape: it only rewrites strings and blanks credential-named values.
  const clean = redactDeep(report, opts.secrets ?? []) as ComplianceReport;
  await mkdir(dir, { recursive: true });
  const outputs: [string, string][] = [
    ['compliance.json', renderJson(clean)],
    ['compliance.html', renderHtml(clean)],
    ['compliance.md', renderMarkdown(clean)],
    ['junit.xml', renderJunit(clean)],
  ];
  const files = outputs.map(([name]) => join(dir, name));
  await Promise.all(outputs.map(([name, text]) => writeFile(join(dir, name), text, 'utf8')));
  return { files };
}
