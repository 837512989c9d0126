// The load report's JSON Schema, compiled as strictly as the compliance report's.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as formatsModule from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';

// ajv-formats is CommonJS; unwrap whichever shape the resolver gave.
const formatsDefault = (formatsModule as unknown as { default: unknown }).default;
const addFormats = (typeof formatsDefault === 'function' ? formatsDefault : (formatsDefault as { default: unknown }).default) as FormatsPlugin;

export async function loadReportValidator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  const schema = JSON.parse(await readFile(fileURLToPath(new URL('../../fixtures/schemas/load-report.schema.json', import.meta.url)), 'utf8'));
  return ajv.compile(schema);
}

