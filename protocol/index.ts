/** The protocol module: everything of SPEC.md sections 2 to 7, with no sockets and no LDAP. */
export * from './base64url.js';
export * from './codes.js';
export * from './command.js';
export * from './frame-errors.js';
export * from './hello.js';
export * from './jcs.js';
export * from './keys.js';
export * from './messages.js';
export * from './parse-frame.js';
export * from './result.js';
export * from './schema.js';
export * from './sealed-secret.js';
export * from './signature.js';
export * from './strict-json.js';
export * from './time.js';
export * from './validate-command.js';
export * from './validate-message.js';
