// YAML files with positions: every problem is reported as file:line:col.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseDocument, LineCounter, isMap, isSeq, isScalar, type Node } from 'yaml';

export class ScenarioError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ScenarioError';
  }
}

export type JsonPath = readonly (string | number)[];

export interface ParsedYaml {
  file: string;
  /** The path as shown in messages: relative to the working directory when below it. */
  display: string;
  data: unknown;
  /** `file:line:col` of the deepest node that exists along the path (of its key, with `key`). */
  at(path: JsonPath, key?: boolean): string;
  /** The 1-based line of the node at the path. */
  line(path: JsonPath): number;
}

export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

export function parseYamlFile(file: string): ParsedYaml {
  return parseYamlText(readFileSync(file, 'utf8'), file);
}

export function parseYamlText(text: string, file: string): ParsedYaml {
  const display = displayPath(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length) {
    const problems = doc.errors.slice(0, 10).map((e) => {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      return `${display}:${line}:${col}: YAML syntax error: ${e.message.split('\n')[0]}`;
    });
    if (doc.errors.length > 10) problems.push(`${display}: … and ${doc.errors.length - 10} more YAML errors`);
    throw new ScenarioError(problems);
  }
  const offset = (path: JsonPath, key: boolean): number => {
    let node: unknown = doc.contents;
    let pos = (doc.contents as Node | null)?.range?.[0] ?? 0;
    for (const [i, seg] of path.entries()) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        const keyNode = pair.key as Node;
        pos = key && i === path.length - 1 ? keyNode.range?.[0] ?? pos : (pair.value as Node | null)?.range?.[0] ?? keyNode.range?.[0] ?? pos;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(seg)] as Node | undefined;
        if (!item) break;
        pos = item.range?.[0] ?? pos;
        node = item;
      } else break;
    }
    return pos;
  };
  return {
    file,
    display,
    data: doc.toJS({ maxAliasCount: 100 }),
    at(path, key = false) {
      const { line, col } = lineCounter.linePos(offset(path, key));
      return `${display}:${line}:${col}`;
    },
    line(path) {
      return lineCounter.linePos(offset(path, false)).line;
    },
  };
}
