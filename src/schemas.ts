// The JSON Schemas of the suite's own formats that are defined in TypeScript (TypeBox), as files
// for editors and other tools. `npm run schemas` writes them; a unit test checks they are current.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenarioJsonSchema } from './scenario/document.ts';
import { ComplianceReportT } from './model.ts';
import { projectRoot } from './scenario/schema.ts';

const asDocument = (schema: object) => ({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...(JSON.parse(JSON.stringify(schema)) as object) });

export const GENERATED_SCHEMAS: Record<string, () => object> = {
  'fixtures/schemas/formats/scenario.schema.json': scenarioJsonSchema,
  'fixtures/schemas/formats/compliance.schema.json': () => asDocument(ComplianceReportT),
};

export function renderSchema(make: () => object): string {
  return `${JSON.stringify(make(), null, 2)}\n`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  for (const [file, make] of Object.entries(GENERATED_SCHEMAS)) {
    writeFileSync(join(projectRoot, file), renderSchema(make));
    process.stdout.write(`wrote ${file}\n`);
  }
}
