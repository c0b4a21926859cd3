import type { JoinedMeeting } from '@parta/protocol';
import { Published } from '@parta/protocol';
import type { z } from 'zod';
import { api } from '../app/state.ts';
import { SIMULCAST_ENCODINGS } from './layers.ts';

export type Ice = z.infer<typeof JoinedMeeting>['iceServers'];

/** Waits for ICE gathering to finish (no trickle: the SDP goes to Parta once, complete). */
export function gathered(pc: RTCPeerConnection, timeoutMs = 3000): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState !== 'complete') return;
      pc.removeEventListener('icegatheringstatechange', done);
      resolve();
    };
    pc.addEventListener('icegatheringstatechange', done);
    setTimeout(resolve, timeoutMs);
  });
}

export function newPeerConnection(ice: Ice): RTCPeerConnection {
  return new RTCPeerConnection({ iceServers: ice, bundlePolicy: 'max-bundle' });
}

/**
 * The sending side: the camera and microphone on one PeerConnection (the camera in three VP8
 * simulcast layers, layers.ts), a screen share on a second. Each offer goes to Parta, which
 * forwards it to the media server and returns its answer.
 */
export class Publisher {
  camera: RTCPeerConnection | null = null;
  screen: RTCPeerConnection | null = null;

  constructor(
    private readonly path: (p: string) => string,
    private readonly ice: () => Ice,
  ) {}

  /** Publishes the local stream; `onFailed` runs when its connection fails (network gone, SFU restarted). */
  async publishCamera(local: MediaStream, onFailed: () => void): Promise<void> {
    this.camera?.close();
    const pc = newPeerConnection(this.ice());
    this.camera = pc;
    const audio = local.getAudioTracks()[0];
    if (audio) pc.addTransceiver(audio, { direction: 'sendonly', streams: [local] });
    const video = local.getVideoTracks()[0];
    // Simulcast: weak subscribers get a lower layer from the SFU.
    if (video) pc.addTransceiver(video, { direction: 'sendonly', streams: [local], sendEncodings: SIMULCAST_ENCODINGS.map((e) => ({ ...e })) });
    await this.negotiate(pc, 'camera');
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed' && this.camera === pc) onFailed();
    });
  }

  async publishScreen(stream: MediaStream): Promise<void> {
    this.screen?.close();
    const pc = newPeerConnection(this.ice());
    this.screen = pc;
    for (const t of stream.getVideoTracks()) pc.addTransceiver(t, { direction: 'sendonly', streams: [stream] });
    await this.negotiate(pc, 'screen');
  }

  async stopScreen(): Promise<void> {
    this.screen?.close();
    this.screen = null;
    await api.post(this.path('/unpublish'), null, { kind: 'screen' }).catch(() => {});
  }

  /** Swaps the camera's or microphone's track without renegotiating. */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    await this.camera
      ?.getSenders()
      .find((s) => s.track?.kind === track.kind)
      ?.replaceTrack(track);
  }

  connected(): boolean {
    return this.camera?.connectionState === 'connected';
  }

  close(): void {
    this.camera?.close();
    this.screen?.close();
    this.camera = null;
    this.screen = null;
  }

  private async negotiate(pc: RTCPeerConnection, kind: 'camera' | 'screen') {
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const answer = await api.post(this.path('/publish'), Published, { kind, sdp: pc.localDescription!.sdp, simulcast: kind === 'camera' });
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
  }
}
