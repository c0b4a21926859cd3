import net from 'node:net';

/**
 * Tests of the production path need Redis. On a developer's machine without it they are skipped
 * with a note; in CI (CI=true) a missing service is a failure, never a silent skip.
 */
export async function redisUrlForTests(): Promise<string | null> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const { hostname, port } = new URL(url);
  const up = await new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
  if (up) return url;
  if (process.env.CI === 'true') throw new Error(`Redis is required in CI but does not answer at ${url}`);
  return null;
}
