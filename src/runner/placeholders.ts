// The one placeholder grammar. In request paths, bodies, filters, event content and raw EDU
// content, scenarios name things instead of writing IDs:
//   {room:NAME} {event:NAME} {user:NAME} (a local or remote actor) {remote:NAME} (a remote actor)
//   {server} (the target's server name) {remote_server} (the fake federation server's name)
// and a string that is exactly {now} becomes the current time in milliseconds (an integer).

export const PLACEHOLDER = /\{(room|event|user|remote):([^}]+)\}|\{(server|remote_server)\}/g;

export type NamedPlaceholder = 'room' | 'event' | 'user' | 'remote';

export interface PlaceholderValues {
  named(kind: NamedPlaceholder, name: string): string;
  bare(kind: 'server' | 'remote_server'): string;
  nowMs(): number;
}

/** Every named placeholder in a value's strings and keys, for the loader's reference check. */
export function placeholdersIn(value: unknown): { kind: NamedPlaceholder; name: string }[] {
  const out: { kind: NamedPlaceholder; name: string }[] = [];
  const scan = (text: string) => {
    for (const m of text.matchAll(PLACEHOLDER)) if (m[1]) out.push({ kind: m[1] as NamedPlaceholder, name: m[2]! });
  };
  const walk = (v: unknown) => {
    if (typeof v === 'string') scan(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        scan(k);
        walk(x);
      }
  };
  walk(value);
  return out;
}

function fillString(text: string, values: PlaceholderValues, encode: (s: string) => string): string {
  return text.replace(PLACEHOLDER, (_m, kind: string | undefined, name: string | undefined, bare: string | undefined) =>
    encode(bare ? values.bare(bare as 'server' | 'remote_server') : values.named(kind as NamedPlaceholder, name!)),
  );
}

/** Fills every string and key of a JSON value; `{now}` alone becomes an integer. */
export function fillValue<T>(value: T, values: PlaceholderValues): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v === '{now}' ? values.nowMs() : fillString(v, values, (s) => s);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [fillString(k, values, (s) => s), walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** Fills a URL path: every value is percent-encoded. */
export function fillPath(template: string, values: PlaceholderValues): string {
  return fillString(template, values, encodeURIComponent);
}
