/** Application tags of LDAP protocol operations (RFC 4511 section 4.2 onwards). */
export const ProtocolOp = {
  bindRequest: 0x60,
  bindResponse: 0x61,
  unbindRequest: 0x42,
  searchRequest: 0x63,
  searchResultEntry: 0x64,
  searchResultDone: 0x65,
  searchResultReference: 0x73,
  modifyRequest: 0x66,
  modifyResponse: 0x67,
  addRequest: 0x68,
  addResponse: 0x69,
  delRequest: 0x4a,
  delResponse: 0x6b,
  modDnRequest: 0x6c,
  modDnResponse: 0x6d,
  compareRequest: 0x6e,
  compareResponse: 0x6f,
  abandonRequest: 0x50,
  extendedRequest: 0x77,
  extendedResponse: 0x78,
} as const;
export type ProtocolOp = (typeof ProtocolOp)[keyof typeof ProtocolOp];

/** Context tags inside messages. */
export const ContextTag = {
  controls: 0xa0,
  simpleAuth: 0x80,
  saslAuth: 0xa3,
  referral: 0xa3,
  extendedRequestName: 0x80,
  extendedRequestValue: 0x81,
  extendedResponseName: 0x8a,
  extendedResponseValue: 0x8b,
} as const;

/** The response tag that answers each request tag (for errors raised before a handler ran). */
export const responseTagFor: Partial<Record<number, ProtocolOp>> = {
  [ProtocolOp.bindRequest]: ProtocolOp.bindResponse,
  [ProtocolOp.searchRequest]: ProtocolOp.searchResultDone,
  [ProtocolOp.modifyRequest]: ProtocolOp.modifyResponse,
  [ProtocolOp.addRequest]: ProtocolOp.addResponse,
  [ProtocolOp.delRequest]: ProtocolOp.delResponse,
  [ProtocolOp.modDnRequest]: ProtocolOp.modDnResponse,
  [ProtocolOp.compareRequest]: ProtocolOp.compareResponse,
  [ProtocolOp.extendedRequest]: ProtocolOp.extendedResponse,
};
