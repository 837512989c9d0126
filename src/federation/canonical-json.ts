// Matrix canonical JSON (spec: Appendices → Signing JSON → Canonical JSON).
//
// Hand-written on purpose: the rules differ from RFC 8785 (JCS).
// - object keys sorted by Unicode code point (not UTF-16 code unit, which `Array.prototype.sort` uses);
// - no insignificant whitespace;
// - numbers must be integers in [-(2^53)+1, 2^53-1]; floats, NaN, ±Infinity and out-of-range values are errors;
// - strings use the shortest escapes: `JSON.stringify` of a string already produces exactly that
//   (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other C0 controls as lowercase `\u00xx`, nothing else escaped).

/** Thrown when a value cannot be represented in Matrix canonical JSON. */
export class CanonicalJsonError extends Error {
  constructor(
    message: string,
    /** JSONPath-like location of the offending value, e.g. `$.content.body`. */
    readonly path: string,
  ) {
    super(`${message} at ${path}`);
    this.name = 'CanonicalJsonError';
  }
}

export const MAX_SAFE_CANONICAL_INT = Number.MAX_SAFE_INTEGER; // 2^53 - 1
export const MIN_SAFE_CANONICAL_INT = -Number.MAX_SAFE_INTEGER; // -(2^53) + 1

/** Compare two strings by Unicode code point. */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  const restA = a.length - i;
  const restB = b.length - j;
  return restA === restB ? 0 : restA < restB ? -1 : 1;
}

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function encode(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new CanonicalJsonError(`non-finite number ${String(value)} is not allowed in canonical JSON`, path);
      }
      if (!Number.isInteger(value)) {
        throw new CanonicalJsonError(`non-integer number ${value} is not allowed in canonical JSON`, path);
      }
      if (value > MAX_SAFE_CANONICAL_INT || value < MIN_SAFE_CANONICAL_INT) {
        throw new CanonicalJsonError(
          `integer ${value} is outside the canonical JSON range [-(2^53)+1, 2^53-1]`,
          path,
        );
      }
      return Object.is(value, -0) ? '0' : String(value);
    case 'object': {
      if (Array.isArray(value)) {
        const parts: string[] = [];
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined) {
            throw new CanonicalJsonError('undefined array element is not allowed in canonical JSON', childPath(path, i));
          }
          parts.push(encode(item, childPath(path, i)));
        }
        return `[${parts.join(',')}]`;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
        throw new CanonicalJsonError(`only plain objects are allowed in canonical JSON, got ${name}`, path);
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort(compareCodePoints);
      return `{${keys.map((k) => `${JSON.stringify(k)}:${encode(obj[k], childPath(path, k))}`).join(',')}}`;
    }
    default:
      throw new CanonicalJsonError(`${typeof value} is not allowed in canonical JSON`, path);
  }
}

/**
 * Encode `value` as Matrix canonical JSON. Object properties whose value is `undefined` are skipped
 * (as `JSON.stringify` does); everything else that canonical JSON cannot carry throws
 * {@link CanonicalJsonError}.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, '$');
}

/** UTF-8 bytes of {@link canonicalJson}. */
export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}
