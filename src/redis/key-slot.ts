// Redis Cluster's key → hash slot rule (CRC16/XMODEM of the hash tag or the whole key, mod 16384), for tests
// and health checks that must know where a key lives without asking a node.

export const SLOT_COUNT = 16_384;

const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[byte] = crc;
  }
  return table;
})();

export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/** The part of the key that is hashed: the first non-empty `{…}`, else the whole key (as Redis does). */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

export function keySlot(key: string): number {
  return crc16(Buffer.from(hashTag(key), 'utf8')) % SLOT_COUNT;
}

/**
 * A hash tag for a family of keys that must share a slot (queue keys, indexes updated together), distinct per
 * key prefix: `{cs-jobs}` for prefix `cs:` and name `jobs`.
 */
export function slotTag(prefix: string, name: string): string {
  return `{${prefix.replace(/[:{}]/g, '')}-${name}}`;
}
