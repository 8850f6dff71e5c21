/**
 * Simulated time for the bench: `sleep` resolves when the clock reaches it, and the clock jumps from
 * one wake-up to the next as soon as everything else is waiting. The real engine code runs unchanged
 * between wake-ups, so an hour-long sweep of 10,000 accounts is simulated in seconds.
 */
export class VirtualClock {
  now = 0;
  private timers: { at: number; resolve: () => void }[] = [];

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.push({ at: this.now + Math.max(0, ms), resolve }));
  }

  /** Runs `work` to completion in simulated time; returns its result and the simulated milliseconds. */
  async run<T>(work: () => Promise<T>): Promise<{ value: T; elapsedMs: number }> {
    const start = this.now;
    let settled = false;
    let value: T | undefined;
    let failure: unknown;
    work().then(
      (v) => {
        value = v;
        settled = true;
      },
      (e) => {
        failure = e;
        settled = true;
      },
    );
    for (;;) {
      // One macrotask turn lets every ready promise chain run until it sleeps again.
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) break;
      if (this.timers.length === 0) throw new Error("simulation stalled: nothing is waiting on the clock");
      let next = Number.POSITIVE_INFINITY;
      for (const t of this.timers) next = Math.min(next, t.at);
      this.now = next;
      const due = this.timers.filter((t) => t.at === next);
      this.timers = this.timers.filter((t) => t.at !== next);
      for (const t of due) t.resolve();
    }
    if (failure !== undefined) throw failure;
    return { value: value as T, elapsedMs: this.now - start };
  }
}
