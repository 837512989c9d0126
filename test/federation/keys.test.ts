import { describe, it, expect } from 'vitest';
import {
  decodeBase64,
  encodeBase64,
  generateSigningKey,
  signBytes,
  signingKeyFromSeed,
  signJson,
  verifyJson,
} from '../../src/federation/keys.ts';

// Spec appendix "Signing JSON" test vectors (targets.md §4.7).
const SEED = 'YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1';
const PUBLIC = 'XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI';
const SIG_EMPTY = 'K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ';
const SIG_ONE_TWO = 'KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw';

describe('ed25519 keys', () => {
  const key = signingKeyFromSeed(SEED, 'ed25519:1');

  it('derives the public key from the seed', () => {
    expect(key.publicKeyBase64).toBe(PUBLIC);
    expect(key.seed).toHaveLength(32);
  });

  it('matches the spec signatures', () => {
    expect(signBytes('{}', key.privateKey)).toBe(SIG_EMPTY);
    expect(signJson({}, 'domain', 'ed25519:1', key)).toEqual({ signatures: { domain: { 'ed25519:1': SIG_EMPTY } } });
    expect(signJson({ two: 'Two', one: 1 }, 'domain', 'ed25519:1', key)).toEqual({
      one: 1,
      two: 'Two',
      signatures: { domain: { 'ed25519:1': SIG_ONE_TWO } },
    });
  });

  it('strips signatures and unsigned before signing, keeps them in the output', () => {
    const signed = signJson({ one: 1, two: 'Two', unsigned: { age_ts: 5 }, signatures: { other: { 'ed25519:x': 'abc' } } }, 'domain', 'ed25519:1', key);
    expect(signed.signatures).toEqual({ other: { 'ed25519:x': 'abc' }, domain: { 'ed25519:1': SIG_ONE_TWO } });
    expect(signed.unsigned).toEqual({ age_ts: 5 });
    expect(verifyJson(signed, 'domain', 'ed25519:1', PUBLIC)).toBe(true);
    expect(verifyJson(signed, 'domain', 'ed25519:1', key.publicKey)).toBe(true);
  });

  it('fails verification on tampering, wrong key, or missing signature', () => {
    const signed = signJson({ one: 1 }, 'domain', 'ed25519:1', key);
    expect(verifyJson({ ...signed, one: 2 }, 'domain', 'ed25519:1', PUBLIC)).toBe(false);
    expect(verifyJson(signed, 'domain', 'ed25519:1', generateSigningKey().publicKey)).toBe(false);
    expect(verifyJson(signed, 'elsewhere', 'ed25519:1', PUBLIC)).toBe(false);
    expect(verifyJson({ one: 1 }, 'domain', 'ed25519:1', PUBLIC)).toBe(false);
    expect(verifyJson({ ...signed, signatures: { domain: { 'ed25519:1': 'not base64!' } } }, 'domain', 'ed25519:1', PUBLIC)).toBe(false);
  });

  it('validates key ids and generates random ones', () => {
    expect(() => signingKeyFromSeed(SEED, 'ed25519:bad-id')).toThrow(/invalid key id/);
    expect(() => signingKeyFromSeed(SEED, 'curve25519:a')).toThrow(/invalid key id/);
    const a = generateSigningKey();
    const b = generateSigningKey();
    expect(a.keyId).toMatch(/^ed25519:[A-Za-z0-9_]+$/);
    expect(a.keyId).not.toBe(b.keyId);
    expect(a.publicKeyBase64).not.toBe(b.publicKeyBase64);
  });

  it('uses unpadded base64 and decodes both alphabets', () => {
    expect(encodeBase64(Buffer.from([0xfb, 0xff]))).toBe('+/8');
    expect(decodeBase64('+/8')).toEqual(Buffer.from([0xfb, 0xff]));
    expect(decodeBase64('-_8')).toEqual(Buffer.from([0xfb, 0xff]));
    expect(decodeBase64('+/8=')).toEqual(Buffer.from([0xfb, 0xff]));
    expect(() => decodeBase64('a$b')).toThrow(/invalid base64/);
  });
});
