/**
 * Work the app took from webhooks: one queue per key (a session, an issue),
 * so the events of one session are handled in order while other sessions
 * go on in parallel; `idle()` says when everything taken has been done.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private pending = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly onError: (key: string, error: unknown) => void) {}

  /** Runs `task` after the tasks queued before it under `key`. Never rejects: a failure goes to onError. */
  run(key: string, task: () => Promise<void>): Promise<void> {
    this.pending++;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(task).catch((error: unknown) => this.onError(key, error));
    const tail = next.finally(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
      this.pending--;
      if (this.pending === 0) for (const resolve of this.waiters.splice(0)) resolve();
    });
    this.tails.set(key, tail);
    return tail;
  }

  get size(): number {
    return this.pending;
  }

  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** The last `capacity` keys seen: a webhook delivered twice (GitHub's redelivery, a retry) is acted on once. */
export class SeenSet {
  private readonly seen = new Set<string>();
  constructor(private readonly capacity = 5000) {}

  /** True the first time a key is offered. */
  add(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value!);
    return true;
  }
}
