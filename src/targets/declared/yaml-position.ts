// Parses a YAML file keeping node positions, so every problem can be told as file:line:col.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseDocument, LineCounter, isMap, isSeq, isScalar, type Node } from 'yaml';

export class TargetFileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'TargetFileError';
  }
}

export interface PositionedYaml {
  display: string;
  data: unknown;
  /** file:line:col of the node at `path` (of its key when `key`), or of the deepest ancestor found. */
  at(path: (string | number)[], key?: boolean): string;
}

export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

export function parsePositioned(file: string): PositionedYaml {
  const display = displayPath(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TargetFileError([`${display}: cannot read the target file: ${(err as Error).message}`]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new TargetFileError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${display}:${pos?.line ?? 1}:${pos?.col ?? 1}: YAML syntax error: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const at = (path: (string | number)[], key = false): string => {
    let node: unknown = doc.contents;
    let pos = (node as Node | null)?.range?.[0] ?? 0;
    for (const [i, seg] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        const keyNode = pair.key as Node;
        const valueNode = pair.value as Node | null;
        pos = key && last ? keyNode.range?.[0] ?? pos : valueNode?.range?.[0] ?? keyNode.range?.[0] ?? pos;
        node = valueNode;
      } else if (isSeq(node)) {
        const item = node.items[Number(seg)] as Node | undefined;
        if (!item) break;
        pos = item.range?.[0] ?? pos;
        node = item;
      } else break;
    }
    const { line, col } = lineCounter.linePos(pos);
    return `${display}:${line}:${col}`;
  };
  return { display, data: doc.toJS(), at };
}

export function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function describePath(path: (string | number)[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '') || '(top level)';
}
