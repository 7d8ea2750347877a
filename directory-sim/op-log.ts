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

/** Append-only record of writes, for tests that count writes per user. */
export class OpLog {
  private readonly records: OpLogRecord[] = [];

  append(record: OpLogRecord): void {
    this.records.push(record);
  }

  all(): readonly OpLogRecord[] {
    return this.records;
  }

  /** Modify records for one DN (case-insensitive), optionally only successful ones. */
  writesFor(dn: string, options: { successfulOnly?: boolean } = {}): OpLogRecord[] {
    const lower = dn.toLowerCase();
    return this.records.filter(
      (record) => record.operation === 'modify' && record.dn.toLowerCase() === lower && (!options.successfulOnly || record.resultCode === 0),
    );
  }

  clear(): void {
    this.records.length = 0;
  }
}
