import { describe, it, expect } from 'vitest';
import { buildXMatrixAuthorization, buildServerKeyDocument, checkServerKeyDocument, parseXMatrixHeader, verifyXMatrixRequest, ServerKeyFetcher, XMatrixError } from '../../src/federation/xmatrix.ts';
import { generateSigningKey, signJson } from '../../src/federation/keys.ts';

describe('X-Matrix header', () => {
  const key = generateSigningKey('ed25519:k1');

  it('builds the Synapse-style header and parses it back', () => {
    const header = buildXMatrixAuthorization({ method: 'GET', uri: '/_matrix/federation/v1/version', origin: 'a.test', destination: 'b.test' }, key);
    expect(header).toMatch(/^X-Matrix origin="a\.test",destination="b\.test",key="ed25519:k1",sig="[A-Za-z0-9+/]{86}"$/);
    const parsed = parseXMatrixHeader(header);
    expect(parsed).toMatchObject({ origin: 'a.test', destination: 'b.test', key: 'ed25519:k1' });
  });

  it('accepts unquoted values, any parameter order and case, and no destination', () => {
    expect(parseXMatrixHeader('X-Matrix KEY=ed25519:k1, sig=abc,origin=a.test')).toEqual({ origin: 'a.test', key: 'ed25519:k1', sig: 'abc' });
    expect(parseXMatrixHeader('x-matrix origin="a\\"b",key="ed25519:k",sig="s"').origin).toBe('a"b');
  });

  it('rejects malformed headers with XMatrixError (401)', () => {
    expect(() => parseXMatrixHeader('Bearer abc')).toThrow(XMatrixError);
    expect(() => parseXMatrixHeader('X-Matrix origin="a",key="ed25519:k"')).toThrow(/lacks sig/);
    expect(() => parseXMatrixHeader('X-Matrix origin="a,key="ed25519:k",sig="s"')).toThrow(XMatrixError);
    expect(() => parseXMatrixHeader('X-Matrix origin="a",key="rsa:k",sig="s"')).toThrow(/not an ed25519 key id/);
  });

  it('verifies a signed request and refuses tampering', async () => {
    const fetcher = new ServerKeyFetcher(() => undefined);
    fetcher.seed('a.test', new Map([[key.keyId, key.publicKey]]));
    const content = { origin: 'a.test', pdus: [], edus: [{ edu_type: 'm.typing', content: {} }] };
    const uri = '/_matrix/federation/v1/send/t%201';
    const authorization = buildXMatrixAuthorization({ method: 'PUT', uri, origin: 'a.test', destination: 'b.test', content }, key);
    await expect(verifyXMatrixRequest({ method: 'PUT', uri, authorization, content }, 'b.test', fetcher)).resolves.toBe('a.test');
    await expect(verifyXMatrixRequest({ method: 'PUT', uri, authorization, content: { ...content, pdus: [{}] } }, 'b.test', fetcher)).rejects.toThrow(/invalid X-Matrix signature/);
    await expect(verifyXMatrixRequest({ method: 'PUT', uri: '/_matrix/federation/v1/send/t1', authorization, content }, 'b.test', fetcher)).rejects.toThrow(XMatrixError);
    await expect(verifyXMatrixRequest({ method: 'POST', uri, authorization, content }, 'b.test', fetcher)).rejects.toThrow(XMatrixError);
    await expect(verifyXMatrixRequest({ method: 'PUT', uri, authorization, content }, 'c.test', fetcher)).rejects.toThrow(/destination b\.test/);
    await expect(verifyXMatrixRequest({ method: 'PUT', uri, authorization: undefined, content }, 'b.test', fetcher)).rejects.toThrow(/missing Authorization/);
    const unknownOrigin = buildXMatrixAuthorization({ method: 'PUT', uri, origin: 'z.test', destination: 'b.test', content }, key);
    await expect(verifyXMatrixRequest({ method: 'PUT', uri, authorization: unknownOrigin, content }, 'b.test', fetcher)).rejects.toThrow(/don't know how to reach z\.test/);
  });
});

describe('server key documents', () => {
  it('are self-signed, valid for about 24 h, and checked', () => {
    const key = generateSigningKey();
    const doc = buildServerKeyDocument('127.0.0.1:1', key);
    expect(doc.valid_until_ts - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    expect(checkServerKeyDocument(doc, '127.0.0.1:1').get(key.keyId)).toEqual(key.publicKey);
    expect(() => checkServerKeyDocument(doc, '127.0.0.1:2')).toThrow(/does not match/);
    expect(() => checkServerKeyDocument({ ...doc, valid_until_ts: 1 }, '127.0.0.1:1')).toThrow(/no valid self-signature/);
    const other = generateSigningKey();
    const foreign = signJson({ ...doc, signatures: {} }, '127.0.0.1:1', other.keyId, other);
    expect(() => checkServerKeyDocument(foreign, '127.0.0.1:1')).toThrow(/no valid self-signature/);
  });
});
