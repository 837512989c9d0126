// The machine-readable report; fixtures/schemas/compliance.schema.json describes it.

import type { ComplianceReport } from '../src/model.ts';

export function renderJson(report: ComplianceReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
