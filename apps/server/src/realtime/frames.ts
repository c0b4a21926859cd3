/**
 * WebSocket text frames built by the server itself (RFC 6455, section 5.2): final, opcode 1 (text),
 * unmasked, as every frame from a server to a client is. An update that 30 members receive is
 * framed once and the same bytes go to every socket; `ws` would build a header for each socket and
 * write header and payload as two buffers. Pings, pongs and close frames are still `ws`'s.
 */
export function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81;
  if (n < 126) frame[1] = n;
  else if (n < 0x10000) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 0x1_0000_0000), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
  payload.copy(frame, head);
  return frame;
}

/** The text frame of a string (UTF-8). */
export const textFrameOf = (text: string): Buffer => textFrame(Buffer.from(text, 'utf8'));
