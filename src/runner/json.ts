// Narrowing of untrusted JSON. Servers under test send anything; every view goes through these.

export type JsonObject = Record<string, unknown>;

export function asObject(v: unknown): JsonObject | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Follows object keys; undefined as soon as one is missing or not an object. */
export function dig(v: unknown, ...keys: string[]): unknown {
  let cur: unknown = v;
  for (const k of keys) {
    const o = asObject(cur);
    if (!o) return undefined;
    cur = o[k];
  }
  return cur;
}

/** RFC 6901 JSON pointer lookup ("/notifications/0/read"). */
export function atPointer(value: unknown, pointer: string): unknown {
  if (pointer === '' || pointer === '/') return value;
  let cur: unknown = value;
  for (const raw of pointer.replace(/^\//, '').split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else {
      const o = asObject(cur);
      if (!o) return undefined;
      cur = o[seg];
    }
  }
  return cur;
}

export function truncate(text: string, max = 300): string {
  return text.length > max ? text.slice(0, max) + '…' : text;
}
