import { Oid } from '../../ldap-constants/oids.js';
import { FaultResponse } from '../faults.js';
import { LdapResultCode } from '../../ldap-constants/ldap-result-codes.js';
import type { LdapRequest } from '../protocol/ldap-request.js';
import { encodeExtendedResponse, encodeResult, encodeSearchEntry } from '../protocol/encode-response.js';
import { ProtocolOp, responseTagFor } from '../protocol/protocol-op.js';
import type { OperationContext } from './operation-context.js';

/** Diagnostic texts of the fault answers, as a busy or shutting-down Windows DC words them. */
const FaultText = {
  busy: '00002024: SvcErr: DSID-03100749, problem 5001 (BUSY), data 0\n',
  unavailable: '00000001: SvcErr: DSID-031A1209, problem 5002 (UNAVAILABLE), data 0\n',
  referral: '0000202B: RefErr: DSID-0310084A, data 0, 1 access points\n',
} as const;

/** A well-framed message whose protocolOp is not LDAP: a client must fail cleanly on it. */
function garbage(messageId: number): Buffer {
  return Buffer.from([0x30, 0x0a, 0x02, 0x01, messageId & 0x7f, 0xdf, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00]);
}

function responseTag(request: LdapRequest): number {
  return responseTagFor[request.tag] ?? ProtocolOp.extendedResponse;
}

function resultOp(request: LdapRequest, resultCode: number, diagnostic: string, referrals?: string[]): Buffer {
  const tag = responseTag(request);
  const result = { resultCode, diagnostic, ...(referrals ? { referrals } : {}) };
  return tag === ProtocolOp.extendedResponse ? encodeExtendedResponse(result) : encodeResult(tag, result);
}

/**
 * Answers a request the faulty way instead of performing it. `hang` resolves never: the
 * connection's queue stops there, as a hung server's would.
 */
export async function answerWithFault(context: OperationContext, request: LdapRequest, fault: FaultResponse, options: { oversizedBytes: number; referralUrl: string }): Promise<void> {
  const id = request.messageId;
  switch (fault) {
    case FaultResponse.busy:
      return context.send(id, resultOp(request, LdapResultCode.busy, FaultText.busy));
    case FaultResponse.unavailable:
      return context.send(id, resultOp(request, LdapResultCode.unavailable, FaultText.unavailable));
    case FaultResponse.referral: {
      const target = request.operation.type === 'search' ? request.operation.baseDn : request.operation.type === 'modify' ? request.operation.dn : '';
      return context.send(id, resultOp(request, LdapResultCode.referral, FaultText.referral, [`${options.referralUrl}${encodeURIComponent(target)}`]));
    }
    case FaultResponse.hang:
      return new Promise<void>(() => undefined);
    case FaultResponse.garbage:
      return context.sendRaw(garbage(id));
    case FaultResponse.oversized: {
      const payload = 'x'.repeat(options.oversizedBytes);
      if (request.operation.type === 'search') {
        await context.send(id, encodeSearchEntry(`CN=oversized,${context.directory.domain.baseDn}`, [{ name: 'description', values: [payload] }]));
        return context.send(id, encodeResult(ProtocolOp.searchResultDone, { resultCode: LdapResultCode.success }));
      }
      return context.send(id, resultOp(request, LdapResultCode.other, payload));
    }
    case FaultResponse.endless: {
      if (request.operation.type !== 'search') return context.send(id, resultOp(request, LdapResultCode.busy, FaultText.busy));
      for (let n = 0; !context.isAbandoned(id); n++) {
        // Let other connections and the abandon request in.
        if (n % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
        await context.send(id, encodeSearchEntry(`CN=endless-${n},${context.directory.domain.baseDn}`, [{ name: 'objectClass', values: ['top', 'user'] }]));
      }
      return;
    }
  }
}

/** The notice of disconnection (RFC 4511 4.4.1) sent before dropping a connection that sent garbage. */
export function noticeOfDisconnection(diagnostic: string): Buffer {
  return encodeExtendedResponse({ resultCode: LdapResultCode.protocolError, diagnostic }, Oid.noticeOfDisconnection);
}
