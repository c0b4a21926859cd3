import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findJanusBinary, launchJanus, type JanusInstance } from './janus-process.ts';
import { JanusAdapter } from './janus.ts';
import type { MediaRuntime } from './runtime.ts';

/**
 * For tests that need a real Janus: starts one on free ports, or says why it cannot.
 * Without a `janus` binary the test is skipped with a note, except under CI=true, where a
 * missing Janus is a failure.
 */
export async function startTestJanus(): Promise<{ janus: JanusInstance; dir: string } | { skip: string }> {
  if (!findJanusBinary()) {
    if (process.env.CI === 'true') throw new Error('CI=true but no janus binary is installed (apt-get install janus)');
    return { skip: 'no janus binary installed (apt-get install janus); the Janus contract test is skipped' };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parta-janus-'));
  // A random block of 100 RTP ports, so parallel test files do not share one.
  const base = 20000 + crypto.randomInt(0, 400) * 100;
  const janus = await launchJanus({ dir, rtpPortRange: `${base}-${base + 99}` });
  return { janus, dir };
}

/**
 * A syntactically complete WebRTC SDP offer (Opus + VP8, send-only, bundled): enough for Janus's
 * signalling to answer it. Its ICE never connects (no candidates): signalling tests only.
 */
export function sdpOffer(): string {
  const fp = Array.from(crypto.randomBytes(32), (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
  const ufrag = crypto.randomBytes(4).toString('hex');
  const pwd = crypto.randomBytes(12).toString('hex');
  const common = [`c=IN IP4 0.0.0.0`, `a=rtcp:9 IN IP4 0.0.0.0`, `a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`, `a=fingerprint:sha-256 ${fp}`, `a=setup:actpass`];
  return [
    'v=0',
    `o=- ${crypto.randomInt(1, 2 ** 31)} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    'a=msid-semantic: WMS s',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    ...common,
    'a=mid:0',
    'a=sendonly',
    'a=msid:s a',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=ssrc:1111 cname:parta',
    'm=video 9 UDP/TLS/RTP/SAVPF 96',
    ...common,
    'a=mid:1',
    'a=sendonly',
    'a=msid:s v',
    'a=rtcp-mux',
    'a=rtpmap:96 VP8/90000',
    'a=rtcp-fb:96 nack',
    'a=rtcp-fb:96 nack pli',
    'a=ssrc:2222 cname:parta',
    '',
  ].join('\r\n');
}

/** A media runtime over a Janus started by a test. */
export function testMediaRuntime(janus: JanusInstance): MediaRuntime {
  const adapter = new JanusAdapter({ url: janus.wsUrl, apiSecret: janus.apiSecret, adminKey: janus.adminKey });
  return { adapter, reason: null, iceServers: () => [], close: () => adapter.close() };
}
