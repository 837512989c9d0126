// Reading YAML (and JSON) files given by the operator or by scenario authors without letting a
// bad file crash, hang or flood the terminal: a size cap read before the file is, a refusal of
// binary files in one line, yaml 2's alias limit (billion laughs), real file:line:col positions
// for syntax errors, and a cap on how many errors are printed.
import { openSync, readSync, fstatSync, closeSync, constants } from 'node:fs';
import { relative } from 'node:path';
import { parseDocument, LineCounter, isMap, isSeq, isScalar, isAlias, visit, type Document, type Node } from 'yaml';
import { InputError, capProblems, describeFsError } from './input-error.ts';
import { stripControls } from './terminal.ts';

export interface YamlLimits {
  /** Largest file accepted, in bytes. */
  maxBytes: number;
  /** yaml 2's maxAliasCount: how much alias expansion toJS allows. */
  maxAliasCount: number;
  /** Errors printed per file before "… and N more". */
  maxErrors: number;
}

export const DEFAULT_YAML_LIMITS: Readonly<YamlLimits> = Object.freeze({ maxBytes: 1024 * 1024, maxAliasCount: 100, maxErrors: 10 });

export type YamlPath = (string | number)[];

export interface ParsedYaml {
  file: string;
  /** The file as printed: relative to the working directory when under it. */
  display: string;
  doc: Document.Parsed;
  data: unknown;
  lineCounter: LineCounter;
  /** `file:line:col` of an offset in the text. */
  posAt(offset: number): string;
  /**
   * `file:line:col` of the deepest node that exists along `path` (of its key when `key` is true),
   * the equivalent of the scenario loader's `at`.
   */
  at(path: YamlPath, key?: boolean): string;
}

export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

/**
 * Reads a file as UTF-8 text, refusing what is not one: missing, a directory, over the cap,
 * binary (a NUL byte) or not valid UTF-8. Each refusal is one line naming the file.
 */
export function readTextFile(file: string, maxBytes = DEFAULT_YAML_LIMITS.maxBytes, what = 'file'): string {
  const display = displayPath(file);
  const a = `${/^[aeio]/i.test(what) ? 'an' : 'a'} ${what}`;
  let fd: number;
  try {
    // Non-blocking, so that a named pipe given as a file is refused instead of waited on.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new InputError([`${display}: cannot read the ${what}: ${describeFsError(err)}`]);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError([`${display}: is a directory; expected ${a}`]);
    if (!st.isFile()) throw new InputError([`${display}: is not a regular file; expected ${a}`]);
    if (st.size > maxBytes) throw new InputError([`${display}: is ${st.size} bytes; ${a} may have at most ${maxBytes}`]);
    // Read at most one byte past the cap, so a file that grows while read is still bounded.
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n >= buf.length) break;
    }
    if (n > maxBytes) throw new InputError([`${display}: is over ${maxBytes} bytes; ${a} may have at most ${maxBytes}`]);
    const bytes = buf.subarray(0, n);
    const nul = bytes.indexOf(0);
    if (nul >= 0) throw new InputError([`${display}: is a binary file (NUL byte at offset ${nul}), not ${a}`]);
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      throw new InputError([`${display}: is not valid UTF-8 text; expected ${a}`]);
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError([`${display}: cannot read the ${what}: ${describeFsError(err)}`]);
  } finally {
    closeSync(fd);
  }
}

/** Parses YAML text (JSON is YAML too) with the limits; throws InputError with positions. */
export function parseYamlText(text: string, display: string, limits: Partial<YamlLimits> = {}): ParsedYaml {
  const lim = { ...DEFAULT_YAML_LIMITS, ...limits };
  const lineCounter = new LineCounter();
  const posAt = (offset: number): string => {
    const { line, col } = lineCounter.linePos(Math.max(0, offset));
    return `${display}:${line}:${col}`;
  };
  let doc: Document.Parsed;
  try {
    // prettyErrors would append a code excerpt to each message; positions come from e.pos instead,
    // which yaml fills whatever that option says.
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    throw new InputError([`${display}: cannot be parsed: ${oneLine((err as Error).message)} (too large or too deeply nested?)`]);
  }
  if (doc.errors.length) {
    const lines = doc.errors.map((e) => `${posAt(e.pos[0])}: YAML syntax error: ${oneLine(e.message.split('\n')[0] ?? '')}`);
    throw new InputError(capProblems([...new Set(lines)], lim.maxErrors));
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: lim.maxAliasCount });
  } catch (err) {
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      let first = 0;
      visit(doc, {
        Alias(_key, node) {
          first = node.range?.[0] ?? 0;
          return visit.BREAK;
        },
      });
      throw new InputError([`${posAt(first)}: YAML aliases expand too far (more than ${lim.maxAliasCount} alias expansions; a "billion laughs" file?)`]);
    }
    throw new InputError([`${display}: cannot be read as data: ${oneLine((err as Error).message)}`]);
  }
  const at = (path: YamlPath, key = false): string => {
    let node: unknown = doc.contents;
    let pos = (doc.contents as Node | null)?.range?.[0] ?? 0;
    for (const [i, seg] of path.entries()) {
      const last = i === path.length - 1;
      if (isAlias(node)) break;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        const keyNode = pair.key as Node;
        const valueNode = pair.value as Node | null;
        pos = key && last ? (keyNode.range?.[0] ?? pos) : (valueNode?.range?.[0] ?? keyNode.range?.[0] ?? pos);
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(seg)] as Node | undefined;
        if (!item) break;
        pos = item.range?.[0] ?? pos;
        node = item;
      } else break;
    }
    return posAt(pos);
  };
  return { file: display, display, doc, data, lineCounter, posAt, at };
}

/** The path of an ajv instancePath (a JSON pointer), for `at`. */
export function pointerToPath(pointer: string): YamlPath {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** A path as a person writes it: `steps[2].receipt`. */
export function describePath(path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '') || '(top level)';
}

/** readTextFile + parseYamlText. `what` names the file's role in messages ("users file"). */
export function readYamlFile(file: string, limits: Partial<YamlLimits> = {}, what = 'YAML file'): ParsedYaml {
  const text = readTextFile(file, limits.maxBytes ?? DEFAULT_YAML_LIMITS.maxBytes, what);
  const parsed = parseYamlText(text, displayPath(file), limits);
  return { ...parsed, file };
}

function oneLine(text: string): string {
  return stripControls(text.replace(/\s*\n\s*/g, ' '));
}
