import { SignatureFormatError } from './errors.ts';

/**
 * An ECDSA signature as KMS returns it (ASN.1 DER: SEQUENCE { INTEGER r, INTEGER s }) in the
 * form JWS ES256 wants (RFC 7518 section 3.4): r and s as two 32-byte big-endian numbers.
 * DER integers are minimal and signed, so each may come with a leading zero byte (when its
 * top bit is set) or be shorter than 32 bytes (when it starts with zeros): both are fixed here.
 */
export function derToP1363(der: Uint8Array, size = 32): Uint8Array {
  let at = 0;
  const byte = () => {
    if (at >= der.length) throw new SignatureFormatError('the DER signature ends too early');
    return der[at++]!;
  };
  const length = () => {
    const first = byte();
    if (first < 0x80) return first;
    if (first !== 0x81) throw new SignatureFormatError('the DER signature has an unexpected length form');
    return byte();
  };
  if (byte() !== 0x30) throw new SignatureFormatError('a DER ECDSA signature starts with a SEQUENCE');
  const total = length();
  if (at + total !== der.length) throw new SignatureFormatError('the DER SEQUENCE length does not match the signature');
  const out = new Uint8Array(size * 2);
  for (const offset of [0, size]) {
    if (byte() !== 0x02) throw new SignatureFormatError('a DER ECDSA signature holds two INTEGERs');
    const n = length();
    if (at + n > der.length) throw new SignatureFormatError('a DER INTEGER runs past the signature');
    let value = der.subarray(at, at + n);
    at += n;
    while (value.length > 0 && value[0] === 0) value = value.subarray(1);
    if (value.length > size) throw new SignatureFormatError(`a DER INTEGER is longer than ${size} bytes`);
    out.set(value, offset + size - value.length);
  }
  if (at !== der.length) throw new SignatureFormatError('bytes follow the DER signature');
  return out;
}
