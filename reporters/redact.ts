// Reports end up in CI artefacts and step summaries that anyone with read access can open,
// so every writer passes through here: tokens and shared secrets must never reach disk.

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
]);

const KEY_ALTERNATION = [...SECRET_KEYS].join('|');

// Order matters only for readability: each pattern leaves a marker the others do not match.
const PATTERNS: [RegExp, string][] = [
  // "access_token": "…" inside serialised JSON (response bodies kept as text).
  [new RegExp(`("(?:${KEY_ALTERNATION})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi'), `$1"${REDACTED}"`],
  // Authorization headers; the token alphabet is RFC 6750's b64token.
  [/\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, `$1${REDACTED}`],
  // Legacy query-string auth: ?access_token=… (also catches &access_token=…).
  [/\b(access_token=)[^&\s"'#<>]+/gi, `$1${REDACTED}`],
  // Synapse access (syt_) and refresh (syr_) tokens, wherever they appear.
  [/sy[tr]_[A-Za-z0-9_]+/g, REDACTED],
  // Macaroons (older Synapse tokens): base64 of "MDAx…" = "001…" location header.
  [/MDAx[A-Za-z0-9+/=_-]{20,}/g, REDACTED],
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Longest first, so a secret that contains another is replaced whole.
  const known = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  if (known.length > 0) out = out.replace(new RegExp(known.map(escapeRegExp).join('|'), 'g'), REDACTED);
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** A copy of `value` with every string redacted and every credential-named key blanked. */
export function redactDeep(value: unknown, secrets: readonly string[] = []): unknown {
  return walk(value, secrets, new Map());
}

function walk(value: unknown, secrets: readonly string[], done: Map<object, unknown>): unknown {
  if (typeof value === 'string') return redact(value, secrets);
  if (typeof value !== 'object' || value === null) return value;
  // Dates and similar serialise themselves; they carry no secrets worth rewriting.
  if (value instanceof Date) return value;
  const prior = done.get(value);
  if (prior !== undefined) return prior;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    done.set(value, out);
    for (const v of value) out.push(walk(v, secrets, done));
    return out;
  }
  const out: Record<string, unknown> = {};
  done.set(value, out);
  for (const [k, v] of Object.entries(value)) {
    // null/undefined stay as they are: an absent credential is worth seeing, and hides nothing.
    const blank = SECRET_KEYS.has(k.toLowerCase()) && v !== null && v !== undefined;
    // Keys get the token patterns but not the literal secrets: a short secret such as a test
    // password could otherwise rename schema fields ("access_token") and break the report's shape.
    out[redact(k)] = blank ? REDACTED : walk(v, secrets, done);
  }
  return out;
}
