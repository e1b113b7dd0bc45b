/**
 * Everything the CLI writes. Documents and tables go to stdout, progress to
 * stderr. Writes are tracked so the process ends only after stdout has
 * taken all of it: a pipe (`ao status --json | jq`) may read slower than we
 * write, and exiting early would cut the document.
 */
export class Output {
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {}

  write(text: string): void {
    if (text === '') return;
    const written = new Promise<void>((resolve) => {
      this.stdout.write(text, () => resolve());
    });
    this.pending = this.pending.then(() => written);
  }

  json(doc: unknown): void {
    this.write(`${JSON.stringify(doc, null, 2)}\n`);
  }

  /** Progress for long steps: one line per step on stderr, never on stdout. */
  progress(message: string): void {
    this.stderr.write(`${message}\n`);
  }

  /** Resolves when stdout has taken everything written so far. */
  drain(): Promise<void> {
    return this.pending;
  }
}
