// Is a Docker daemon there? Asked before testcontainers is involved, so the answer names the socket.
import { existsSync } from 'node:fs';
import { request as httpGet } from 'node:http';

export function dockerEndpoint(env: NodeJS.ProcessEnv = process.env): { socketPath: string } | { url: string } {
  const host = env.DOCKER_HOST?.trim();
  if (!host) return { socketPath: '/var/run/docker.sock' };
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('tcp://')) return { url: `http://${host.slice('tcp://'.length)}` };
  if (host.startsWith('http://') || host.startsWith('https://')) return { url: host };
  return { socketPath: host };
}

/**
 * Pings the Docker API (GET /_ping) before testcontainers is involved. Returns null when the
 * daemon answers, otherwise why not. When DOCKER_HOST is set but unusable this says so instead
 * of letting testcontainers fall back to another socket.
 */
export async function probeDocker(env: NodeJS.ProcessEnv = process.env, timeoutMs = 5_000): Promise<string | null> {
  const ep = dockerEndpoint(env);
  const where = env.DOCKER_HOST?.trim() || 'unix:///var/run/docker.sock (DOCKER_HOST unset)';
  if ('socketPath' in ep && !existsSync(ep.socketPath)) return `no Docker daemon: ${ep.socketPath} does not exist (DOCKER_HOST=${where}); start one with scripts/container/dockerd.sh start`;
  if ('url' in ep && env.DOCKER_TLS_VERIFY) return null; // TLS daemons: leave the check to testcontainers
  return new Promise((resolvePing) => {
    const req = httpGet(
      'socketPath' in ep ? { socketPath: ep.socketPath, path: '/_ping', timeout: timeoutMs } : new URL('/_ping', ep.url),
      (res) => {
        res.resume();
        resolvePing(res.statusCode === 200 ? null : `the Docker daemon at ${where} answered /_ping with HTTP ${res.statusCode}`);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolvePing(`no Docker daemon answers at ${where}: ${err.message}`));
    req.end();
  });
}
