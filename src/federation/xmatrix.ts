// X-Matrix request authentication (spec: Server-Server API → Request Authentication) and server key fetching.

import { requestJson } from './http.ts';
import { decodeBase64, isValidKeyId, signJson, verifyBytes, verifyJson, type SigningKey } from './keys.ts';
import { canonicalJsonBytes } from './canonical-json.ts';

export interface XMatrixRequest {
  method: string;
  /** Raw path + query exactly as sent on the wire. */
  uri: string;
  origin: string;
  destination: string;
  /** Parsed JSON body; omit when there is no body. */
  content?: unknown;
}

export interface XMatrixHeader {
  origin: string;
  destination?: string;
  key: string;
  sig: string;
}

/** Thrown for requests that must be refused; carries the HTTP status and errcode to answer with. */
export class XMatrixError extends Error {
  constructor(
    message: string,
    readonly status = 401,
    readonly errcode = 'M_UNAUTHORIZED',
  ) {
    super(message);
    this.name = 'XMatrixError';
  }
}

function signedRequestObject(req: XMatrixRequest): Record<string, unknown> {
  const obj: Record<string, unknown> = {
    method: req.method.toUpperCase(),
    uri: req.uri,
    origin: req.origin,
    destination: req.destination,
  };
  if (req.content !== undefined) obj.content = req.content;
  return obj;
}

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `X-Matrix origin="…",destination="…",key="…",sig="…"` for an outgoing request. */
export function buildXMatrixAuthorization(req: XMatrixRequest, key: SigningKey): string {
  const signed = signJson(signedRequestObject(req), req.origin, key.keyId, key);
  const sig = signed.signatures[req.origin]![key.keyId]!;
  return `X-Matrix origin=${quote(req.origin)},destination=${quote(req.destination)},key=${quote(key.keyId)},sig=${quote(sig)}`;
}

/**
 * Parse an `Authorization: X-Matrix …` header. Values may be quoted (with backslash escapes) or bare;
 * parameter names are case-insensitive. Throws {@link XMatrixError} when malformed.
 */
export function parseXMatrixHeader(header: string): XMatrixHeader {
  const m = /^\s*X-Matrix\s+(.*)$/is.exec(header);
  if (!m) throw new XMatrixError('Authorization header is not X-Matrix');
  const params: Record<string, string> = {};
  const text = m[1]!;
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /[\s,]/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new XMatrixError(`malformed X-Matrix parameter near ${JSON.stringify(text.slice(i))}`);
    const name = text.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let value = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const ch = text[i]!;
        if (ch === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (ch === '"') {
          i++;
          closed = true;
          break;
        } else {
          value += ch;
          i++;
        }
      }
      if (!closed) throw new XMatrixError(`unterminated quoted value for ${name} in X-Matrix header`);
    } else {
      const end = text.indexOf(',', i);
      value = (end < 0 ? text.slice(i) : text.slice(i, end)).trim();
      i = end < 0 ? text.length : end;
    }
    params[name] = value;
  }
  const { origin, destination, key, sig } = params;
  if (!origin) throw new XMatrixError('X-Matrix header lacks origin');
  if (!key) throw new XMatrixError('X-Matrix header lacks key');
  if (!sig) throw new XMatrixError('X-Matrix header lacks sig');
  if (!isValidKeyId(key)) throw new XMatrixError(`X-Matrix key ${JSON.stringify(key)} is not an ed25519 key id`);
  return destination === undefined ? { origin, key, sig } : { origin, destination, key, sig };
}

/** A server's published signing key document (`GET /_matrix/key/v2/server`). */
export interface ServerKeyDocument {
  server_name: string;
  valid_until_ts: number;
  verify_keys: Record<string, { key: string }>;
  old_verify_keys?: Record<string, { key: string; expired_ts?: number }>;
  signatures?: Record<string, Record<string, string>>;
}

/** Build and sign our own key document. */
export function buildServerKeyDocument(serverName: string, key: SigningKey, validForMs = 24 * 3600 * 1000): ServerKeyDocument {
  const doc: ServerKeyDocument = {
    server_name: serverName,
    valid_until_ts: Date.now() + validForMs,
    verify_keys: { [key.keyId]: { key: key.publicKeyBase64 } },
    old_verify_keys: {},
  };
  return signJson(doc, serverName, key.keyId, key);
}

/**
 * Check a key document: `server_name` must match, and at least one signature by a key listed in
 * `verify_keys` must verify. Returns every usable key id → raw public key (current and old keys).
 */
export function checkServerKeyDocument(doc: unknown, expectedServerName: string): Map<string, Buffer> {
  if (doc === null || typeof doc !== 'object') throw new Error(`key document of ${expectedServerName} is not an object`);
  const d = doc as ServerKeyDocument;
  if (d.server_name !== expectedServerName) {
    throw new Error(`key document server_name ${JSON.stringify(d.server_name)} does not match ${JSON.stringify(expectedServerName)}`);
  }
  const keys = new Map<string, Buffer>();
  let selfSigned = false;
  for (const [keyId, entry] of Object.entries(d.verify_keys ?? {})) {
    if (!isValidKeyId(keyId) || typeof entry?.key !== 'string') continue;
    const raw = decodeBase64(entry.key);
    keys.set(keyId, raw);
    if (verifyJson(d, expectedServerName, keyId, raw)) selfSigned = true;
  }
  if (!selfSigned) throw new Error(`key document of ${expectedServerName} carries no valid self-signature`);
  for (const [keyId, entry] of Object.entries(d.old_verify_keys ?? {})) {
    if (isValidKeyId(keyId) && typeof entry?.key === 'string' && !keys.has(keyId)) keys.set(keyId, decodeBase64(entry.key));
  }
  return keys;
}

interface CachedKeys {
  keys: Map<string, Buffer>;
  validUntil: number;
}

/**
 * Fetches and caches other servers' signing keys directly from them (no notary). `resolve` maps a
 * server name to a base URL, or undefined for servers we refuse to contact.
 */
export class ServerKeyFetcher {
  private readonly cache = new Map<string, CachedKeys>();
  private readonly inflight = new Map<string, Promise<CachedKeys>>();

  constructor(
    private readonly resolve: (serverName: string) => string | undefined,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Preload keys, e.g. our own, so no network round trip is needed. */
  seed(serverName: string, keys: Map<string, Buffer>, validUntil = Number.MAX_SAFE_INTEGER): void {
    this.cache.set(serverName, { keys, validUntil });
  }

  private async fetchKeys(serverName: string): Promise<CachedKeys> {
    const pending = this.inflight.get(serverName);
    if (pending) return pending;
    const p = (async () => {
      const baseUrl = this.resolve(serverName);
      if (!baseUrl) throw new XMatrixError(`don't know how to reach ${serverName} to fetch its keys`);
      const res = await requestJson({ method: 'GET', baseUrl, path: '/_matrix/key/v2/server', timeoutMs: 10_000 });
      if (res.status !== 200) throw new Error(`GET ${baseUrl}/_matrix/key/v2/server answered ${res.status}`);
      const keys = checkServerKeyDocument(res.body, serverName);
      const validUntil = Number((res.body as ServerKeyDocument).valid_until_ts) || 0;
      const entry = { keys, validUntil };
      this.cache.set(serverName, entry);
      this.log(`fetched keys of ${serverName}: ${[...keys.keys()].join(', ')}`);
      return entry;
    })();
    this.inflight.set(serverName, p);
    try {
      return await p;
    } finally {
      this.inflight.delete(serverName);
    }
  }

  /** The raw public key for `keyId` of `serverName`; refetches once when unknown or expired. */
  async getKey(serverName: string, keyId: string): Promise<Buffer> {
    const cached = this.cache.get(serverName);
    const hit = cached?.keys.get(keyId);
    if (hit && cached!.validUntil > Date.now()) return hit;
    let fresh: CachedKeys;
    try {
      fresh = await this.fetchKeys(serverName);
    } catch (e) {
      if (e instanceof XMatrixError) throw e;
      throw new XMatrixError(`could not fetch keys of ${serverName}: ${(e as Error).message}`);
    }
    const key = fresh.keys.get(keyId);
    if (!key) throw new XMatrixError(`${serverName} does not publish key ${keyId}`);
    return key;
  }
}

export interface IncomingRequest {
  method: string;
  /** Raw request URI (Node's `req.url`). */
  uri: string;
  authorization: string | undefined;
  /** Parsed JSON body, or undefined when there is none. */
  content?: unknown;
}

/**
 * Verify an incoming request's X-Matrix header for `ourServerName`; resolves with the authenticated origin.
 * Rejects with {@link XMatrixError} (401) on a missing, malformed or bad signature or wrong destination.
 */
export async function verifyXMatrixRequest(req: IncomingRequest, ourServerName: string, keys: ServerKeyFetcher): Promise<string> {
  if (!req.authorization) throw new XMatrixError('missing Authorization header');
  const h = parseXMatrixHeader(req.authorization);
  if (h.destination !== undefined && h.destination !== ourServerName) {
    throw new XMatrixError(`request is for destination ${h.destination}, not ${ourServerName}`);
  }
  const publicKey = await keys.getKey(h.origin, h.key);
  const signed = signedRequestObject({ method: req.method, uri: req.uri, origin: h.origin, destination: ourServerName, content: req.content });
  let data: Buffer;
  try {
    data = canonicalJsonBytes(signed);
  } catch (e) {
    throw new XMatrixError(`request body is not canonicalisable: ${(e as Error).message}`, 400, 'M_BAD_JSON');
  }
  if (!verifyBytes(data, h.sig, publicKey)) throw new XMatrixError(`invalid X-Matrix signature from ${h.origin} (key ${h.key})`);
  return h.origin;
}
