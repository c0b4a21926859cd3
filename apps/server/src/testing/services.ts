import net from 'node:net';

/**
 * The Redis that tests may use: REDIS_URL when set, else a Redis answering on 127.0.0.1:6379,
 * else none (tests that need it are skipped).
 */
export async function redisUrlForTests(): Promise<string | null> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  const fallback = 'redis://127.0.0.1:6379';
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: 6379 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
  return reachable ? fallback : null;
}
