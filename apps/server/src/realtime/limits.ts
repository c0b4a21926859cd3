/**
 * Limits on what one client may ask of the gateway (docs/subsystems/realtime.md, "Limits"): every
 * client frame takes a token from its connection's bucket and from its account's, and a connection
 * that keeps being refused is closed.
 */

/** A token bucket: `burst` tokens at most, refilled at `rate` per second. */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.at = now;
  }

  /** Takes one token if there is one. */
  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface FrameLimits {
  /** Frames per second of one connection, of every kind together; bursts of five seconds' worth. */
  framesPerSecond: number;
  /** Frames per second of all one account's connections on this process; bursts of five seconds' worth. */
  accountFramesPerSecond: number;
  /** Refused frames a connection may send beyond one a second before it is closed (4429). */
  maxRefusals: number;
}

const BURST_SECONDS = 5;

export const bucketFor = (perSecond: number) => new TokenBucket(perSecond, perSecond * BURST_SECONDS);

/** Per connection: its own bucket, its account's (shared), and a count of what it was refused. */
export class FrameGate {
  private readonly own: TokenBucket;
  /** Refusals beyond one a second: when this bucket is empty, the abuse is sustained. */
  private readonly patience: TokenBucket;

  constructor(
    limits: FrameLimits,
    private readonly account: TokenBucket,
  ) {
    this.own = bucketFor(limits.framesPerSecond);
    this.patience = new TokenBucket(1, limits.maxRefusals);
  }

  /** 'ok': handle the frame; 'refuse': answer `rate_limited`; 'close': the client keeps flooding. */
  admit(now = Date.now()): 'ok' | 'refuse' | 'close' {
    // The connection's own bucket first: a flooding connection does not drain its account's.
    if (this.own.take(now) && this.account.take(now)) return 'ok';
    return this.patience.take(now) ? 'refuse' : 'close';
  }
}

/** The buckets of the accounts that have connections on this process, and their sockets per session and per account. */
export class AccountLimits {
  private readonly accounts = new Map<string, { bucket: TokenBucket; sockets: number }>();
  private readonly sessions = new Map<string, number>();

  constructor(private readonly limits: FrameLimits & { maxSocketsPerSession: number; maxSocketsPerAccount: number }) {}

  /** Counts a new connection in, or null when its session or account already has as many as allowed. */
  open(userId: string, sessionId: string): FrameGate | null {
    const account = this.accounts.get(userId);
    const perSession = this.sessions.get(sessionId) ?? 0;
    if (perSession >= this.limits.maxSocketsPerSession || (account?.sockets ?? 0) >= this.limits.maxSocketsPerAccount) return null;
    const entry = account ?? { bucket: bucketFor(this.limits.accountFramesPerSecond), sockets: 0 };
    entry.sockets++;
    this.accounts.set(userId, entry);
    this.sessions.set(sessionId, perSession + 1);
    return new FrameGate(this.limits, entry.bucket);
  }

  close(userId: string, sessionId: string): void {
    const account = this.accounts.get(userId);
    if (account && --account.sockets <= 0) this.accounts.delete(userId);
    const n = (this.sessions.get(sessionId) ?? 0) - 1;
    if (n <= 0) this.sessions.delete(sessionId);
    else this.sessions.set(sessionId, n);
  }
}
