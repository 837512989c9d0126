// The Dendrite config the suite renders: Dendrite ignores misspelt keys, so the settings the suite
// depends on are checked here, on the parsed YAML, without starting a server.
import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';
import { renderDendriteConfig, dendriteArgs, DENDRITE_SERVER_NAME, DEFAULT_DENDRITE_VERSION } from '../src/targets/dendrite.ts';

const DATA = '/tmp/rc-dendrite-test-data';
const SECRET = 'f00dfeed'.repeat(6);
const text = renderDendriteConfig({ serverName: DENDRITE_SERVER_NAME, dataDir: DATA, registrationSharedSecret: SECRET });
const cfg = parse(text);

describe('Dendrite config', () => {
  it('fills every placeholder', () => {
    expect(text).not.toMatch(/\{\{\w+\}\}/);
    expect(cfg.version).toBe(2);
    expect(cfg.global.server_name).toBe('dendrite.rc.test');
    expect(DEFAULT_DENDRITE_VERSION).toBe('0.13.8');
  });

  it('keeps every database in SQLite files under the per-run data dir', () => {
    const dbs = {
      federation_api: cfg.federation_api.database,
      key_server: cfg.key_server.database,
      media_api: cfg.media_api.database,
      room_server: cfg.room_server.database,
      sync_api: cfg.sync_api.database,
      user_api: cfg.user_api.account_database,
      relay_api: cfg.relay_api.database,
      mscs: cfg.mscs.database,
    };
    const seen = new Set<string>();
    for (const [name, db] of Object.entries(dbs)) {
      expect(db?.connection_string, name).toMatch(new RegExp(`^file:${DATA}/dendrite_\\w+\\.db$`));
      seen.add(db.connection_string);
    }
    expect(seen.size).toBe(Object.keys(dbs).length);
    // No shared (PostgreSQL) pool.
    expect(cfg.global.database?.connection_string ?? '').toBe('');
  });

  it('puts every other path under the data dir', () => {
    expect(cfg.global.private_key).toBe(`${DATA}/matrix_key.pem`);
    expect(cfg.media_api.base_path).toBe(`${DATA}/media_store`);
    expect(cfg.global.jetstream.storage_path).toBe(`${DATA}/jetstream`);
    expect(cfg.global.jetstream.in_memory).toBe(false);
    expect(cfg.global.jetstream.addresses).toEqual([]);
  });

  it('listens on loopback only', () => {
    const args = dendriteArgs(`${DATA}/dendrite.yaml`, 12345);
    // Open registration: Dendrite gives out guest accounts only while registration is enabled.
    expect(args).toEqual(['--config', `${DATA}/dendrite.yaml`, '--http-bind-address', '127.0.0.1:12345', '--really-enable-open-registration']);
    // No TLS listener (it needs --tls-cert/--tls-key).
    expect(args.join(' ')).not.toMatch(/tls|https/);
  });

  it('registers through the per-run shared secret, and allows guests (which needs registration enabled)', () => {
    expect(cfg.client_api.registration_shared_secret).toBe(SECRET);
    expect(cfg.client_api.registration_disabled).toBe(false);
    expect(cfg.client_api.guests_disabled).toBe(false);
    expect(cfg.client_api.enable_registration_captcha).toBe(false);
    const other = renderDendriteConfig({ serverName: DENDRITE_SERVER_NAME, dataDir: DATA, registrationSharedSecret: 'another' });
    expect(parse(other).client_api.registration_shared_secret).toBe('another');
  });

  it('keeps the shipped rate limits, bcrypt cost and default room version', () => {
    expect(cfg.client_api.rate_limiting).toMatchObject({ enabled: true, threshold: 20, cooloff_ms: 500 });
    expect(cfg.user_api.bcrypt_cost).toBe(10);
    expect(cfg.room_server.default_room_version).toBeUndefined();
  });

  it('federates with the fake server directly: no notary, self-signed TLS accepted', () => {
    expect(cfg.federation_api.key_perspectives).toEqual([]);
    expect(cfg.federation_api.disable_tls_validation).toBe(true);
    expect(cfg.global.disable_federation).toBe(false);
  });

  it('keeps the server quiet and the spec as released', () => {
    expect(cfg.global.presence).toEqual({ enable_inbound: false, enable_outbound: false });
    expect(cfg.sync_api.search.enabled).toBe(false);
    expect(cfg.mscs.mscs).toEqual([]);
    expect(cfg.logging).toEqual([{ type: 'std', level: 'info' }]);
    expect(cfg.global.report_stats.enabled).toBe(false);
    expect(cfg.global.server_notices.enabled).toBe(false);
  });
});
