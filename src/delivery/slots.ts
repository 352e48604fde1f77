/**
 * A lane's slots: at most `concurrency` attempts at once, optionally at most `rateLimit`
 * started per second (fixed one-second windows), first come first served.
 *
 * States: open → closed. While open, `acquire()` resolves true when a slot is taken (at once
 * when one is free and the window allows) and the holder calls `release()` when its attempt
 * is over. `close()` (the service stopping) resolves every waiter with false and every later
 * `acquire()` too; slots already taken are released as usual.
 * `enter(w)` is `acquire()` without a promise (acquire is built on it): the slot is taken at
 * once (true) or `w.slot` is called when it is (or with false at close). The delivery service queues a storm's
 * notifications so: an object each, where a promise and its waiting async frames were ~1.8 KB.
 */
export interface SlotWaiter {
  /** Called from release() or close(): the slot is taken (true) or the slots closed (false). */
  slot(ok: boolean): void;
}

export class Slots {
  /** Slots taken. */
  pending = 0;
  private waiters: SlotWaiter[] = [];
  /** pump() is running: a waiter it calls may release a slot (and pump) again synchronously. */
  private pumping = false;
  /** Index of the first waiter still waiting (the array is compacted now and then). */
  private head = 0;
  private closed = false;
  private windowStart = 0;
  private startedInWindow = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private limit: number,
    readonly rateLimit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Waiting for a slot. */
  get size(): number {
    return this.waiters.length - this.head;
  }

  get concurrency(): number {
    return this.limit;
  }

  set concurrency(n: number) {
    this.limit = Math.max(1, Math.trunc(n));
    this.pump();
  }

  acquire(): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.enter({ slot: resolve })) resolve(true);
    });
  }

  /** Takes a slot now (true), or queues `w` (false; `w.slot` is called later). */
  enter(w: SlotWaiter): boolean {
    if (this.closed) {
      w.slot(false);
      return false;
    }
    if (this.size === 0 && this.take()) return true;
    this.waiters.push(w);
    this.pump();
    return false;
  }

  release(): void {
    this.pending--;
    this.pump();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const waiting = this.waiters.slice(this.head);
    this.waiters = [];
    this.head = 0;
    for (const w of waiting) w.slot(false);
  }

  /** Takes a slot if one is free and the rate window allows; arms the window timer if not. */
  private take(): boolean {
    if (this.pending >= this.limit) return false;
    if (this.rateLimit > 0) {
      const t = this.now();
      if (t - this.windowStart >= 1000) {
        this.windowStart = t;
        this.startedInWindow = 0;
      }
      if (this.startedInWindow >= this.rateLimit) {
        this.timer ??= setTimeout(
          () => {
            this.timer = undefined;
            this.pump();
          },
          this.windowStart + 1000 - t,
        );
        return false;
      }
      this.startedInWindow++;
    }
    this.pending++;
    return true;
  }

  private pump(): void {
    if (this.pumping) return; // the loop below goes on with what the inner call freed
    this.pumping = true;
    try {
      while (this.size > 0 && this.take()) {
        this.waiters[this.head++]!.slot(true);
      }
    } finally {
      this.pumping = false;
    }
    if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
  }
}
