// Which server is this? The federation version endpoint says; the Server header is the fallback.
import { httpRequest } from '../client/http.ts';

export async function fetchSoftware(baseUrl: string): Promise<{ name: string; version: string } | null> {
  try {
    const res = await httpRequest({ method: 'GET', url: `${baseUrl.replace(/\/+$/, '')}/_matrix/federation/v1/version`, timeoutMs: 5_000 });
    const server = (res.json as { server?: { name?: unknown; version?: unknown } } | undefined)?.server;
    if (res.status === 200 && typeof server?.name === 'string') return { name: server.name, version: String(server.version ?? 'unknown') };
    const header = res.headers.server;
    if (header) {
      const [name, version] = header.split('/');
      return { name: name ?? header, version: version ?? 'unknown' };
    }
  } catch {
    /* the caller reports the server as unknown */
  }
  return null;
}
