// One redaction layer for every output of the suite: reports, log files the suite writes, and the
// console. Reports end up in CI artefacts anyone with read access can open, and console lines in
// CI logs, so tokens and shared secrets must never reach either.
//
// Two nets: a process-wide registry of the literal secrets this process has seen (the shared
// secret, every access token it obtained or was given), which catches a value wherever it is
// echoed, under any key; and patterns for credentials the process never saw itself (Bearer
// headers, access_token=…, Synapse token shapes, credential-named JSON keys).
// The registry is per process: a vitest worker registers what it learns and redacts its own
// results before they leave it.
import { Transform, type TransformCallback } from 'node:stream';
import { writeFileSync, appendFileSync } from 'node:fs';
import { stripControls } from './terminal.ts';

export const REDACTED = '<redacted>';

/**
 * JSON keys whose values are credentials. Beyond the obvious ones, refresh_token and
 * new_password are included because the harness logs in and may change passwords.
 */
const SECRET_KEYS = new Set([
  'access_token',
  'refresh_token',
  'password',
  'new_password',
  'mac',
  'registration_shared_secret',
  'shared_secret',
  'authorization',
]);

const KEY_ALTERNATION = [...SECRET_KEYS].join('|');

// Each pattern leaves a marker the others do not match, so redaction is idempotent.
const PATTERNS: [RegExp, string][] = [
  // "access_token": "…" inside serialised JSON (response bodies kept as text).
  [new RegExp(`("(?:${KEY_ALTERNATION})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi'), `$1"${REDACTED}"`],
  // Authorization headers; the token alphabet is RFC 6750's b64token.
  [/\b(Bearer\s+)(?!<redacted>)[A-Za-z0-9._~+/=-]+/gi, `$1${REDACTED}`],
  // Legacy query-string auth: ?access_token=… (also catches &access_token=…).
  [/\b(access_token=)(?!<redacted>)[^&\s"'#<>]+/gi, `$1${REDACTED}`],
  // Synapse access (syt_) and refresh (syr_) tokens, wherever they appear.
  [/sy[tr]_[A-Za-z0-9_]+/g, REDACTED],
  // Macaroons (older Synapse tokens): base64 of "MDAx…" = "001…" location header.
  [/MDAx[A-Za-z0-9+/=_-]{20,}/g, REDACTED],
];

const registry = new Set<string>();
let compiled: RegExp | null = null;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The forms a secret takes when it is echoed inside a URL or a JSON string. */
function variants(secret: string): string[] {
  const out = [secret];
  const json = JSON.stringify(secret).slice(1, -1);
  if (json !== secret) out.push(json);
  const url = encodeURIComponent(secret);
  if (url !== secret) out.push(url);
  return out;
}

function compile(secrets: Iterable<string>): RegExp | null {
  // Longest first, so a secret that contains another is replaced whole.
  const all = [...new Set([...secrets].flatMap(variants))].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return all.length ? new RegExp(all.map(escapeRegExp).join('|'), 'g') : null;
}

/**
 * Registers a literal secret for this process: from now on it is replaced in every output that
 * goes through this module. Empty and non-string values are ignored. Short values are
 * registered too: over-redacting a weak secret is better than printing it.
 */
export function addSecret(value: unknown): void {
  if (typeof value !== 'string' || value.length === 0 || value === REDACTED) return;
  if (registry.has(value)) return;
  registry.add(value);
  compiled = null;
}

/** How many secrets are registered (for tests and diagnostics; never the values). */
export function secretCount(): number {
  return registry.size;
}

/** Forgets every registered secret. For tests. */
export function clearSecrets(): void {
  registry.clear();
  compiled = null;
}

/** `text` with every registered secret, every `extra` secret and every credential pattern replaced. */
export function redact(text: string, extra: readonly string[] = []): string {
  let out = text;
  compiled ??= compile(registry);
  if (compiled) out = out.replace(compiled, REDACTED);
  if (extra.length) {
    const more = compile(extra.filter((s) => !registry.has(s)));
    if (more) out = out.replace(more, REDACTED);
  }
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** A copy of `value` with every string redacted and every credential-named key blanked. */
export function redactDeep<T>(value: T, extra: readonly string[] = []): T {
  return walk(value, extra, new Map()) as T;
}

function walk(value: unknown, extra: readonly string[], done: Map<object, unknown>): unknown {
  if (typeof value === 'string') return redact(value, extra);
  if (typeof value !== 'object' || value === null) return value;
  // Dates and similar serialise themselves; they carry no secrets worth rewriting.
  if (value instanceof Date) return value;
  const prior = done.get(value);
  if (prior !== undefined) return prior;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    done.set(value, out);
    for (const v of value) out.push(walk(v, extra, done));
    return out;
  }
  const out: Record<string, unknown> = {};
  done.set(value, out);
  for (const [k, v] of Object.entries(value)) {
    // null/undefined stay as they are: an absent credential is worth seeing, and hides nothing.
    const blank = SECRET_KEYS.has(k.toLowerCase()) && v !== null && v !== undefined;
    // Keys get the token patterns and registered secrets but not the `extra` list: a short extra
    // secret such as a test password could otherwise rename schema fields and break the shape.
    out[redactKey(k)] = blank ? REDACTED : walk(v, extra, done);
  }
  return out;
}

function redactKey(k: string): string {
  // Schema field names are never secrets; only rewrite keys that hold a registered value or a pattern.
  if (SECRET_KEYS.has(k.toLowerCase())) return k;
  return redact(k);
}

/** One console line or log chunk, made safe: secrets redacted, terminal controls escaped. */
export function safeText(text: string): string {
  return stripControls(redact(text));
}

type Write = typeof process.stdout.write;

export interface OutputRedactionOptions {
  streams?: NodeJS.WriteStream[];
  /** Escape terminal control characters too (default true). */
  stripControls?: boolean;
}

/**
 * Patches `write` of process.stdout and process.stderr (or the given streams) so that every
 * console line of this process is redacted and, by default, stripped of terminal controls.
 * Each write call is treated as a whole: callers write whole lines, as console.log does.
 * Returns a function that restores the original writers. Installing twice is harmless.
 */
export function installOutputRedaction(opts: OutputRedactionOptions = {}): () => void {
  const streams = opts.streams ?? [process.stdout, process.stderr];
  const strip = opts.stripControls ?? true;
  const restores: (() => void)[] = [];
  for (const stream of streams) {
    const patched = stream as NodeJS.WriteStream & { __rcRedacting?: boolean };
    if (patched.__rcRedacting) continue;
    const original: Write = stream.write.bind(stream) as Write;
    const write = function (this: unknown, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
      let text: string;
      if (typeof chunk === 'string') text = typeof encoding === 'string' && encoding !== 'utf8' && encoding !== 'utf-8' ? Buffer.from(chunk, encoding as BufferEncoding).toString('utf8') : chunk;
      else if (chunk instanceof Uint8Array) text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
      else return (original as (...a: unknown[]) => boolean)(chunk, encoding, cb);
      const clean = strip ? safeText(text) : redact(text);
      const callback = typeof encoding === 'function' ? encoding : cb;
      return (original as (...a: unknown[]) => boolean)(clean, 'utf8', callback);
    };
    stream.write = write as Write;
    patched.__rcRedacting = true;
    restores.push(() => {
      stream.write = original;
      patched.__rcRedacting = false;
    });
  }
  return () => restores.forEach((r) => r());
}

/**
 * A Transform for log files the suite writes from a child's output: redacts line by line, holding
 * back an unfinished line so that a token split across two chunks is still caught. A line longer
 * than `maxLine` characters is flushed (redacted) as it is.
 */
export function redactLines(maxLine = 64 * 1024): Transform {
  let pending = '';
  return new Transform({
    transform(chunk: Buffer | string, _enc: BufferEncoding, done: TransformCallback) {
      pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      const cut = pending.lastIndexOf('\n');
      if (cut >= 0) {
        const whole = pending.slice(0, cut + 1);
        pending = pending.slice(cut + 1);
        this.push(redact(whole));
      }
      if (pending.length > maxLine) {
        this.push(redact(pending));
        pending = '';
      }
      done();
    },
    flush(done: TransformCallback) {
      if (pending) this.push(redact(pending));
      pending = '';
      done();
    },
  });
}

/** Writes (or appends to) a file the suite produces, redacted. */
export function writeRedactedFile(file: string, text: string, opts: { append?: boolean } = {}): void {
  (opts.append ? appendFileSync : writeFileSync)(file, redact(text), 'utf8');
}
