import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import type { AppContext } from '../context.ts';
import { defaultGatewayOptions, Gateway } from './gateway.ts';
import { RedisPubSub } from './redis-pubsub.ts';

declare module 'fastify' {
  interface FastifyInstance {
    realtime: Gateway;
  }
}

/** Frames from clients are small: auth, typing, ping, and `send` (4,096 characters of text, up to 4 bytes each in UTF-8, with mentions). */
const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

/** The WebSocket endpoint /api/v1/ws. Authentication happens inside the socket (first frame), not on the upgrade. */
export async function realtimeRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const gateway = new Gateway(ctx, {
    ...defaultGatewayOptions,
    heartbeatMs: Math.round(ctx.config.realtime.heartbeatSeconds * 1000),
    maxBacklogBytes: ctx.config.realtime.maxBacklogBytes,
    maxPendingSends: ctx.config.realtime.maxPendingSends,
    framesPerSecond: ctx.config.realtime.framesPerSecond,
    accountFramesPerSecond: ctx.config.realtime.accountFramesPerSecond,
    maxSocketsPerSession: ctx.config.realtime.maxSocketsPerSession,
    maxSocketsPerAccount: ctx.config.realtime.maxSocketsPerAccount,
  });
  app.decorate('realtime', gateway);
  // Redis pub/sub is at-most-once: after its connection comes back, connections read what they missed.
  const offReconnect = ctx.pubsub instanceof RedisPubSub ? ctx.pubsub.onReconnect(() => gateway.refreshAll()) : () => {};
  app.addHook('onClose', async () => {
    offReconnect();
  });
  await app.register(websocket, {
    options: { maxPayload: MAX_CLIENT_FRAME_BYTES, perMessageDeflate: false },
    preClose: async () => {
      await gateway.close();
    },
  });
  app.get('/api/v1/ws', { websocket: true, schema: { hide: true } }, (socket, request) => gateway.accept(socket, request.raw));
}
