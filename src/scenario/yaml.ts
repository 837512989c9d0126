// YAML files of scenario authors and operators, read through the safe reader (size cap, binary
// files refused, alias limit, real positions): every problem is `file:line:col`, exit code 2.
import { readYamlFile, parseYamlText as parseSafe, displayPath, type ParsedYaml as SafeParsed } from '../safety/yaml.ts';
import { InputError } from '../safety/input-error.ts';

/** A bad scenario, catalogue or input file: the problems, each a line starting file:line:col. */
export { InputError as ScenarioError } from '../safety/input-error.ts';
export { displayPath };

export type JsonPath = readonly (string | number)[];

export interface ParsedYaml {
  file: string;
  display: string;
  data: unknown;
  /** `file:line:col` of the deepest node that exists along the path (of its key, with `key`). */
  at(path: JsonPath, key?: boolean): string;
  /** The 1-based line of the node at the path. */
  line(path: JsonPath): number;
}

function adapt(p: SafeParsed): ParsedYaml {
  const at = (path: JsonPath, key = false) => p.at([...path], key);
  return { file: p.file, display: p.display, data: p.data, at, line: (path) => Number(at(path).split(':').slice(-2)[0]) };
}

export function parseYamlFile(file: string, what = 'YAML file'): ParsedYaml {
  return adapt(readYamlFile(file, {}, what));
}

export function parseYamlText(text: string, file: string): ParsedYaml {
  return adapt(parseSafe(text, displayPath(file)));
}

export type { InputError };
