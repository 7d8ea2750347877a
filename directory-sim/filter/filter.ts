/** A decoded search filter (RFC 4511 section 4.5.1). Values stay bytes: binary attributes need them. */
export type Filter =
  | { kind: 'and'; filters: Filter[] }
  | { kind: 'or'; filters: Filter[] }
  | { kind: 'not'; filter: Filter }
  | { kind: 'equal' | 'greaterOrEqual' | 'lessOrEqual' | 'approx'; attribute: string; value: Buffer }
  | { kind: 'substrings'; attribute: string; initial?: Buffer; any: Buffer[]; final?: Buffer }
  | { kind: 'present'; attribute: string }
  | { kind: 'extensible'; rule?: string; attribute?: string; value: Buffer; dnAttributes: boolean };
