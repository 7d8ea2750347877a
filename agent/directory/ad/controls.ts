import { BerWriter, Control } from 'ldapts';
import { Oid } from '../../../ldap-constants/oids.js';

/** Writes a control value that is BER SEQUENCE { INTEGER n } (30 03 02 01 n), wrapped in an OCTET STRING. */
function writeSequenceOfInteger(writer: BerWriter, value: number): void {
  const inner = new BerWriter();
  inner.startSequence();
  inner.writeInt(value);
  inner.endSequence();
  writer.writeBuffer(inner.buffer, 0x04);
}

/**
 * LDAP_SERVER_POLICY_HINTS (2239, or the older 2066): asks the DC to apply password history to an
 * admin reset as it does to a user's change. Critical: if the DC ignored it, history would
 * silently not be enforced, which is the one thing the caller asked for.
 */
export class PolicyHintsControl extends Control {
  constructor(oid: typeof Oid.policyHints | typeof Oid.policyHintsDeprecated) {
    super(oid, { critical: true });
  }

  protected override writeControl(writer: BerWriter): void {
    writeSequenceOfInteger(writer, 1);
  }
}

/** SD flags: which parts of nTSecurityDescriptor to read (4 = DACL); without it AD omits the attribute for most callers. */
export class SdFlagsControl extends Control {
  constructor(private readonly flags = 4) {
    super(Oid.sdFlags, { critical: true });
  }

  protected override writeControl(writer: BerWriter): void {
    writeSequenceOfInteger(writer, this.flags);
  }
}
