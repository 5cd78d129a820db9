/**
 * SHA-256 of the bytes as lowercase hex. Measured faster than a JS CRC32
 * (69 ms against 123 ms for 54.5 MB), and it catches any corruption.
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>),
  );
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
