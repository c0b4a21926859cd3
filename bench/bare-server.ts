/**
 * The reference for the messaging benchmark: a bare `ws` fan-out server. A client joins one room
 * with `{"join":"<room>"}`; every later frame `{"room":"<room>",...}` is sent as is to every socket
 * of that room. No authentication, no storage, no ordering beyond the socket's.
 * Run: node --import tsx bench/bare-server.ts <port>
 */
import { WebSocketServer, type WebSocket } from 'ws';

const port = Number(process.argv[2] ?? 0);
const rooms = new Map<string, Set<WebSocket>>();
const wss = new WebSocketServer({ port, host: '127.0.0.1', perMessageDeflate: false });

wss.on('connection', (ws) => {
  let room: Set<WebSocket> | null = null;
  ws.on('message', (data) => {
    const text = data.toString();
    if (room === null) {
      const name = (JSON.parse(text) as { join: string }).join;
      room = rooms.get(name) ?? new Set();
      rooms.set(name, room);
      room.add(ws);
      ws.send('{"joined":true}');
      return;
    }
    const target = rooms.get((JSON.parse(text) as { room: string }).room);
    if (target) for (const peer of target) peer.send(text);
  });
  ws.on('close', () => room?.delete(ws));
});

wss.on('listening', () => console.log(`bare fan-out listening on ${(wss.address() as { port: number }).port}`));
const stop = () => wss.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
