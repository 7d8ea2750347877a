/** One write or bind as the server saw it. Values of password attributes are never recorded. */
export interface OpLogRecord {
  time: Date;
  connectionId: number;
  /** DN the connection was bound as ('' when anonymous). */
  boundDn: string;
  operation: 'modify' | 'add' | 'delete' | 'bind';
  dn: string;
  /** For modify: the attribute and the change type. */
  attribute?: string;
  change?: 'add' | 'delete' | 'replace';
  /** Values written, for attributes that are not secret. */
  values?: string[];
  resultCode: number;
}

/** Append-only record of writes, for tests that count writes per user; and a count of every request by type. */
export class OpLog {
  private readonly records: OpLogRecord[] = [];
  private readonly requestCounts = new Map<string, number>();

  /** Counts one request (search, modify, bind, extended...) as it arrives, whatever its outcome. */
  countRequest(type: string): void {
    this.requestCounts.set(type, (this.requestCounts.get(type) ?? 0) + 1);
  }

  /** Requests received by type since start or the last clear(): round trips, for tests and benchmarks. */
  requests(): Record<string, number> {
    return Object.fromEntries(this.requestCounts);
  }

  append(record: OpLogRecord): void {
    this.records.push(record);
  }

  all(): readonly OpLogRecord[] {
    return this.records;
  }

  /** Modify records for one DN (case-insensitive), optionally only successful ones. */
  writesFor(dn: string, options: { successfulOnly?: boolean } = {}): OpLogRecord[] {
    const lower = dn.toLowerCase();
    return this.records.filter((record) => record.operation === 'modify' && record.dn.toLowerCase() === lower && (!options.successfulOnly || record.resultCode === 0));
  }

  clear(): void {
    this.records.length = 0;
    this.requestCounts.clear();
  }
}
