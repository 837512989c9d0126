// ed25519 signing keys and JSON signatures (spec: Appendices → Signing JSON), on node:crypto only.

import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJsonBytes } from './canonical-json.ts';

/** DER prefix of a PKCS#8 ed25519 private key; append the 32-byte seed. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** DER prefix of an SPKI ed25519 public key; append the 32 raw public key bytes. */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const KEY_ID_RE = /^ed25519:[A-Za-z0-9_]+$/;

export type Signatures = Record<string, Record<string, string>>;

export interface SigningKey {
  /** `ed25519:<[A-Za-z0-9_]+>` */
  readonly keyId: string;
  /** The 32-byte private seed. */
  readonly seed: Buffer;
  readonly privateKey: KeyObject;
  /** The 32 raw public key bytes. */
  readonly publicKey: Buffer;
  /** Unpadded standard base64 of {@link publicKey}, as published in `verify_keys`. */
  readonly publicKeyBase64: string;
}

/** Standard base64 without `=` padding (keys, signatures, content hashes). */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '');
}

/** URL-safe base64 without padding (event IDs from room v4 on). */
export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** Decode standard or URL-safe base64, padded or not. Throws on characters outside either alphabet. */
export function decodeBase64(text: string): Buffer {
  const stripped = text.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/_-]*$/.test(stripped) || stripped.length % 4 === 1) {
    throw new Error(`invalid base64: ${JSON.stringify(text)}`);
  }
  return Buffer.from(stripped.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

export function isValidKeyId(keyId: string): boolean {
  return KEY_ID_RE.test(keyId);
}

function assertKeyId(keyId: string): void {
  if (!isValidKeyId(keyId)) throw new Error(`invalid key id ${JSON.stringify(keyId)}: expected ed25519:<[A-Za-z0-9_]+>`);
}

/** Build a signing key from a 32-byte seed (bytes, or base64 text as in Synapse's signing.key files). */
export function signingKeyFromSeed(seed: Uint8Array | string, keyId: string): SigningKey {
  assertKeyId(keyId);
  const seedBytes = typeof seed === 'string' ? decodeBase64(seed) : Buffer.from(seed);
  if (seedBytes.length !== 32) throw new Error(`ed25519 seed must be 32 bytes, got ${seedBytes.length}`);
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seedBytes]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = Buffer.from(spki.subarray(SPKI_ED25519_PREFIX.length));
  return { keyId, seed: seedBytes, privateKey, publicKey, publicKeyBase64: encodeBase64(publicKey) };
}

/** A fresh random key. The default key id carries random characters so that a homeserver that cached
 *  an earlier key for the same server name (a reused port) never confuses the two. */
export function generateSigningKey(keyId = `ed25519:rc_${randomBytes(6).toString('hex')}`): SigningKey {
  return signingKeyFromSeed(randomBytes(32), keyId);
}

/** Public key object from 32 raw bytes or their base64 text. */
export function publicKeyFromRaw(raw: Uint8Array | string): KeyObject {
  const bytes = typeof raw === 'string' ? decodeBase64(raw) : Buffer.from(raw);
  if (bytes.length !== 32) throw new Error(`ed25519 public key must be 32 bytes, got ${bytes.length}`);
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, bytes]), format: 'der', type: 'spki' });
}

/** ed25519 signature of `data`, as unpadded base64. */
export function signBytes(data: Uint8Array | string, privateKey: KeyObject): string {
  return encodeBase64(sign(null, typeof data === 'string' ? Buffer.from(data, 'utf8') : data, privateKey));
}

/** Verify an unpadded-base64 ed25519 signature. Never throws on malformed input; returns false. */
export function verifyBytes(data: Uint8Array | string, signature: string, publicKey: KeyObject | Uint8Array | string): boolean {
  try {
    const key = publicKey instanceof Uint8Array || typeof publicKey === 'string' ? publicKeyFromRaw(publicKey) : publicKey;
    const sig = decodeBase64(signature);
    if (sig.length !== 64) return false;
    return verify(null, typeof data === 'string' ? Buffer.from(data, 'utf8') : data, key, sig);
  } catch {
    return false;
  }
}

function withoutSignaturesAndUnsigned(obj: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...obj };
  delete copy.signatures;
  delete copy.unsigned;
  return copy;
}

/**
 * Sign a JSON object: `signatures` and `unsigned` are removed, the rest is canonicalised and signed, and the
 * signature is added under `signatures[serverName][keyId]`. Returns a new object (keeping `unsigned` and any
 * existing signatures); the input is not modified.
 */
export function signJson<T extends object>(obj: T, serverName: string, keyId: string, key: KeyObject | SigningKey): T & { signatures: Signatures } {
  assertKeyId(keyId);
  const privateKey = 'privateKey' in key ? key.privateKey : key;
  const record = obj as Record<string, unknown>;
  const sig = signBytes(canonicalJsonBytes(withoutSignaturesAndUnsigned(record)), privateKey);
  const existing = (record.signatures ?? {}) as Signatures;
  return {
    ...obj,
    signatures: { ...existing, [serverName]: { ...(existing[serverName] ?? {}), [keyId]: sig } },
  };
}

/** Check `obj.signatures[serverName][keyId]` against `publicKey`. False when missing or wrong. */
export function verifyJson(obj: object, serverName: string, keyId: string, publicKey: KeyObject | Uint8Array | string): boolean {
  const record = obj as Record<string, unknown>;
  const sigs = record.signatures as Signatures | undefined;
  const sig = sigs?.[serverName]?.[keyId];
  if (typeof sig !== 'string') return false;
  let data: Buffer;
  try {
    data = canonicalJsonBytes(withoutSignaturesAndUnsigned(record));
  } catch {
    return false;
  }
  return verifyBytes(data, sig, publicKey);
}
