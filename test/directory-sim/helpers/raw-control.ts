import { Control, type BerWriter } from 'ldapts';

/** A request control with a pre-encoded value (SD flags, policy hints, anything unknown). */
export class RawControl extends Control {
  constructor(
    oid: string,
    private readonly value: Buffer | undefined,
    critical = false,
  ) {
    super(oid, { critical });
  }

  protected override writeControl(writer: BerWriter): void {
    if (this.value) writer.writeBuffer(this.value, 0x04);
  }
}

/** SEQUENCE { INTEGER n } for n < 128: SD flags and policy hints values. */
export function sequenceOfSmallInteger(value: number): Buffer {
  return Buffer.from([0x30, 0x03, 0x02, 0x01, value]);
}
