/**
 * The two servers' ramps take turns, one try at a time: a try of Parta, then one of the bare
 * server at its own rate, and so on, so that both are measured over the same minutes. The host's
 * speed drifts from one quarter of an hour to the next (a shared machine), and when each ramp ran
 * in its own quarter of an hour the ratio moved with it: 0.48 to 0.72 on one evening
 * (docs/performance/messaging.md). `--sequential` runs Parta's ramp, then the bare server's. Neither ramp
 * starts before both servers are up and connected, and a server is stopped in its own turn.
 */
export class Turns {
  private readonly waiting: (() => void)[] = [];
  private busy = false;
  private arrived = 0;
  private start!: () => void;
  private fail!: (err: unknown) => void;
  private readonly started = new Promise<void>((resolve, reject) => {
    this.start = resolve;
    this.fail = reject;
  });

  constructor(private readonly parties: number) {
    this.started.catch(() => {});
  }

  /** This server is set up; resolves once every one is (rejects when another's set-up failed). */
  ready(): Promise<void> {
    if (++this.arrived >= this.parties) this.start();
    return this.started;
  }

  abort(err: unknown): void {
    this.fail(err);
  }

  /** Runs `task` in this server's turn: after the task of the server that had the turn before. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.busy) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.busy = true;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.busy = false;
    }
  }
}
