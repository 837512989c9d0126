// Compiled validators for the suite's JSON Schemas (draft 2020-12). Two kinds live apart:
// fixtures/schemas/wire/ holds the spec's wire objects (what servers send and receive), and
// fixtures/schemas/formats/ the suite's own file and report formats.
import { Ajv2020, type ValidateFunction, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const schemaDir = join(projectRoot, 'fixtures/schemas');

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

export function makeAjv(): Ajv2020 {
  // strictTypes is off: TypeBox writes `anyOf` unions whose branches carry their own types.
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, strictTypes: false, allowUnionTypes: true, keywords: ['x-name', 'x-defines', 'x-template', 'x-steps', 'x-name-keys', 'x-rule'] });
  addFormats(ajv);
  return ajv;
}

const ajv = makeAjv();
const cache = new Map<string, ValidateFunction>();

export type WireSchema = 'empty-response' | 'error' | 'm.fully_read' | 'm.receipt-as' | 'm.receipt-edu' | 'm.receipt' | 'read-markers-request' | 'receipt-request';
export type FormatSchema = 'compliance' | 'rules' | 'deviations';

function load(file: string): ValidateFunction {
  let v = cache.get(file);
  if (!v) {
    v = ajv.compile(JSON.parse(readFileSync(join(schemaDir, file), 'utf8')) as object);
    cache.set(file, v);
  }
  return v;
}

/** A validator for one of the spec's wire objects. */
export function validator(name: WireSchema): ValidateFunction {
  return load(`wire/${name}.schema.json`);
}

/** A validator for one of the suite's own formats. */
export function formatValidator(name: FormatSchema): ValidateFunction {
  return load(`formats/${name}.schema.json`);
}

/** ajv errors as one line: `/path message; /other message`. */
export function ajvPath(errors: readonly Pick<ErrorObject, 'instancePath' | 'message'>[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`).join('; ');
}
