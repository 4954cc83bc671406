export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface CoalescerOptions<A> {
  /** Calls per group at most. */
  max: number;
  /**
   * A group holding only calls for which `patient` is true waits up to this long for more
   * (batch rows, whose latency nobody sees), so that a steady trickle of completions still
   * goes to the database in groups rather than one by one.
   */
  lingerMs?: number;
  /**
   * A lingering group goes as soon as no call has joined it for this long: the calls that were
   * coming have stopped (a batch's last rows), and waiting out lingerMs would only delay them.
   */
  quietMs?: number;
  patient?: (call: A) => boolean;
}

/**
 * Runs concurrent calls of one registry operation in groups: calls made in the same tick, or
 * while a group is in the database, join the next group, so N rows in flight cost one
 * transaction (one round trip per statement, one WAL flush) instead of N. `group` answers
 * each call on its own (one call's failure is its own); when the group as a whole fails (a
 * constraint another instance raced us to, the connection), the calls are run one by one
 * with `one`, as if never grouped.
 */
export class Coalescer<A, R> {
  private readonly queue: Array<{ args: A; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  private running = false;
  private full?: () => void;
  private joined?: () => void;

  constructor(
    private readonly group: (calls: A[]) => Promise<Array<Settled<R>>>,
    private readonly one: (call: A) => Promise<R>,
    private readonly opts: CoalescerOptions<A>,
  ) {}

  submit(args: A): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ args, resolve, reject });
      if (this.queue.length >= this.opts.max) this.full?.();
      else this.joined?.();
      if (!this.running) {
        this.running = true;
        queueMicrotask(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        await this.linger();
        const calls = this.queue.splice(0, this.opts.max);
        let results: Array<Settled<R>> | undefined;
        if (calls.length > 1) results = await this.group(calls.map((c) => c.args)).catch(() => undefined);
        if (!results) results = await Promise.all(calls.map((c) => settle(() => this.one(c.args))));
        calls.forEach((c, i) => {
          const r = results[i];
          if (r.ok) c.resolve(r.value);
          else c.reject(r.error);
        });
      }
    } finally {
      this.running = false;
    }
  }

  private async linger(): Promise<void> {
    const { lingerMs, quietMs, patient, max } = this.opts;
    if (!lingerMs || !patient || this.queue.length >= max || !this.queue.every((c) => patient(c.args))) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(deadline);
        clearTimeout(quiet);
        this.full = this.joined = undefined;
        resolve();
      };
      const deadline = setTimeout(done, lingerMs);
      const quiet = quietMs ? setTimeout(done, quietMs) : undefined;
      this.full = done;
      this.joined = () => quiet?.refresh();
    });
  }
}

export async function settle<R>(f: () => Promise<R>): Promise<Settled<R>> {
  try {
    return { ok: true, value: await f() };
  } catch (error) {
    return { ok: false, error };
  }
}
