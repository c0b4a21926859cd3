import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { textFrame, textFrameOf } from './frames.ts';
import { Outbox } from './outbox.ts';

/**
 * The frames the server builds itself and the outbox that writes them, between a real `ws` server
 * and a real `ws` client over loopback: the client's parser is the judge of every frame.
 */
describe('WebSocket frames and the outbox', () => {
  let wss: WebSocketServer;
  let url: string;
  const accepted: { ws: WebSocket; raw: Duplex }[] = [];
  before(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    wss.on('connection', (ws, request) => accepted.push({ ws, raw: request.socket }));
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => wss.close(() => resolve())));

  /** A client, the server's side of it, and every message the client receives (with whether it was binary). */
  async function pair() {
    const client = new WebSocket(url);
    const received: { text: string; binary: boolean }[] = [];
    client.on('message', (data, binary) => received.push({ text: data.toString(), binary }));
    const n = accepted.length;
    await new Promise<void>((resolve, reject) => {
      client.once('open', () => resolve());
      client.once('error', reject);
    });
    while (accepted.length === n) await new Promise((r) => setTimeout(r, 5));
    const server = accepted[accepted.length - 1]!;
    const until = async (count: number) => {
      for (let i = 0; i < 400 && received.length < count; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(received.length, count, 'messages received');
    };
    return { client, server, received, until };
  }

  test('text frames of every length class reach a ws client intact, as text', async () => {
    const { client, server, received, until } = await pair();
    // 7-bit, 16-bit and 64-bit lengths, at and around their bounds, with two-byte characters.
    const lengths = [0, 1, 125, 126, 127, 65_535, 65_536, 200_000];
    const texts = lengths.map((n, i) => (i % 2 ? 'я' : 'a').repeat(i % 2 ? Math.floor(n / 2) : n) + (i % 2 && n % 2 ? 'b' : ''));
    for (const t of texts) server.raw.write(textFrameOf(t));
    await until(texts.length);
    assert.deepEqual(
      received.map((r) => r.text),
      texts,
    );
    assert.ok(
      received.every((r) => !r.binary),
      'every frame is a text frame',
    );
    assert.deepEqual(textFrame(Buffer.from('hi')), Buffer.from([0x81, 2, 0x68, 0x69]));
    client.close();
  });

  test('the frames one turn gives a socket are written together, in order', async () => {
    const { client, server, received, until } = await pair();
    const outbox = new Outbox(server.ws, server.raw, { highWaterBytes: 256 * 1024, maxBacklogBytes: 1024 * 1024 }, () => assert.fail('no overflow'));
    const shared = textFrameOf('{"n":2}');
    outbox.send('{"n":1}', true);
    outbox.sendFrame(shared, true);
    outbox.send('{"n":3}', false);
    assert.equal(outbox.writes, 0, 'nothing written before the turn ends');
    await until(3);
    assert.equal(outbox.writes, 1);
    assert.deepEqual(
      received.map((r) => JSON.parse(r.text).n),
      [1, 2, 3],
    );
    outbox.send('{"n":4}', true);
    await until(4);
    assert.equal(outbox.writes, 2, 'a later turn is a write of its own');
    client.close();
  });

  test('an answer given in an I/O callback and the update fanned out by an immediate queued before it are one write', async () => {
    const { client, server, received, until } = await pair();
    const outbox = new Outbox(server.ws, server.raw, { highWaterBytes: 256 * 1024, maxBacklogBytes: 1024 * 1024 }, () => assert.fail('no overflow'));
    // As a batch of sends ends: its statement's reply queues the fan-out of its updates, then
    // the batch's sends are answered.
    fs.stat('.', () => {
      setImmediate(() => outbox.send('{"n":2,"update":true}', true));
      outbox.send('{"n":1,"sent":true}', true);
    });
    await until(2);
    assert.equal(outbox.writes, 1, 'the answer and the update went out in one write');
    assert.deepEqual(
      received.map((r) => JSON.parse(r.text).n),
      [1, 2],
    );
    client.close();
  });

  test('a turn larger than the high-water mark keeps its durable frames in order and drops only ephemeral ones', async () => {
    const { client, server, received, until } = await pair();
    const outbox = new Outbox(server.ws, server.raw, { highWaterBytes: 8 * 1024, maxBacklogBytes: 1024 * 1024 }, () => assert.fail('no overflow'));
    const pad = 'x'.repeat(1000);
    for (let i = 0; i < 50; i++) outbox.send(JSON.stringify({ n: i, pad }), true);
    outbox.send(JSON.stringify({ n: 'typing' }), false);
    assert.ok(outbox.waiting > 0, 'past the mark, durable frames wait in the outbox');
    assert.equal(outbox.droppedEphemeral, 1);
    const drained = outbox.drained();
    await until(50);
    await drained;
    assert.deepEqual(
      received.map((r) => JSON.parse(r.text).n),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.equal(outbox.waiting, 0);
    client.close();
  });

  test('a client that stops reading overflows the durable backlog; nothing is written after a close frame', async () => {
    const { client, server, received } = await pair();
    let overflows = 0;
    const outbox = new Outbox(server.ws, server.raw, { highWaterBytes: 16 * 1024, maxBacklogBytes: 64 * 1024 }, () => {
      overflows++;
      server.ws.close(4409, 'backlog overflow');
    });
    client.pause();
    const big = 'y'.repeat(16 * 1024);
    // Kernel buffers on loopback hold megabytes: write until they are full and the backlog overflows.
    for (let i = 0; i < 2_000 && overflows === 0; i++) {
      outbox.send(JSON.stringify({ n: i, big }), true);
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(overflows, 1);
    assert.equal(outbox.durableBacklogBytes, 0, 'the backlog is let go');
    const before = outbox.sentFrames;
    outbox.send('{"after":"close"}', true);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(outbox.sentFrames, before, 'nothing after the close frame');
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
    client.resume();
    assert.equal(await closed, 4409);
    assert.ok(received.length > 0 && received.every((r, i) => JSON.parse(r.text).n === i), 'what arrived is a prefix, in order');
  });
});
