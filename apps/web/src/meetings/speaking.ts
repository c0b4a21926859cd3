/**
 * Who is speaking, from the inbound audio levels of the remote cameras (getStats, every second).
 * `speaking` is who talks now (the «говорит» label and the green frame); `speaker` is who the
 * speaker view shows: the last one who spoke, kept through pauses, but never someone muted (by the
 * host, or their own microphone off) nor someone gone.
 */

export interface AudioLevel {
  personId: string;
  level: number;
  /** The host muted them (Janus forwards none of their audio). */
  muted: boolean;
}

/** Above this audio level (0…1) a participant is speaking. */
export const SPEAKING_LEVEL = 0.02;

export function pickSpeaker(levels: AudioLevel[], previous: string | null): { speaking: string | null; speaker: string | null } {
  let best: AudioLevel | null = null;
  for (const l of levels) if (!l.muted && l.level > SPEAKING_LEVEL && (!best || l.level > best.level)) best = l;
  if (best) return { speaking: best.personId, speaker: best.personId };
  const prev = previous ? levels.find((l) => l.personId === previous) : undefined;
  return { speaking: null, speaker: prev && !prev.muted ? previous : null };
}
