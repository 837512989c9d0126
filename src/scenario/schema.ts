// Compiled validators for the suite's own JSON Schemas (draft 2020-12).
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const schemaDir = join(projectRoot, 'fixtures/schemas');

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

function makeAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

const ajv = makeAjv();
const cache = new Map<string, ValidateFunction>();

/** Loads fixtures/schemas/<name>.schema.json once and returns its validator. */
export function validator(name: string): ValidateFunction {
  let v = cache.get(name);
  if (!v) {
    const schema = JSON.parse(readFileSync(join(schemaDir, `${name}.schema.json`), 'utf8'));
    v = ajv.compile(schema);
    cache.set(name, v);
  }
  return v;
}
