// Every API request the simulator serves, kept so a test can check afterwards
// that the code under test only used routes and fields GitHub really has.
// Cheap on purpose: matching against the OpenAPI description happens later,
// in conformance.ts, only when a test asks.

export interface RecordedRequest {
  readonly seq: number;
  readonly method: string;
  /** API path, percent-encoding intact, without the query string or the GHES prefix (see `mount`). */
  readonly path: string;
  /** `/api/v3` (REST) or `/api` (GraphQL at /api/graphql) when the request came the GitHub Enterprise Server way. */
  readonly mount?: string;
  readonly query: string;
  /** The simulator's own route template, or undefined when it has no such route. */
  readonly simTemplate: string | undefined;
  readonly status: number;
  readonly contentType: string | undefined;
  readonly responseBody: unknown;
  /** For POST /graphql: the errors GitHub's schema produced, if any. */
  readonly graphqlErrors?: readonly string[];
  readonly at: string;
}

export class RouteRecorder {
  private seq = 0;
  private readonly list: RecordedRequest[] = [];

  record(entry: Omit<RecordedRequest, 'seq' | 'at'>): void {
    this.list.push({ ...entry, seq: ++this.seq, at: new Date().toISOString() });
  }

  get entries(): readonly RecordedRequest[] {
    return this.list;
  }

  /** Requests recorded after `mark()`; lets a test look at its own traffic only. */
  since(mark: number): RecordedRequest[] {
    return this.list.filter((entry) => entry.seq > mark);
  }

  mark(): number {
    return this.seq;
  }

  clear(): void {
    this.list.length = 0;
  }
}
