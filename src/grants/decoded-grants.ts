// Each session's last decoded grant record: a call under an unchanged grant reuses it instead of parsing the
// same JSON again (JSON.parse of the record was the largest single cost of ours on the call path).
import { decodeGrant } from './store-codec.js';
import type { Grant } from './types.js';

/** Sessions remembered at most; past it the memory starts over (the working set refills in one call each). */
const DEFAULT_CAPACITY = 10_000;

export class DecodedGrants {
  private readonly last = new Map<string, { raw: string; grant: Grant }>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /**
   * Exactly decodeGrant(raw, uses), parsing only when `raw` differs from what `key` (a session) last held. Each
   * answer is its own object; nested values (history, owner, policy) are shared, as grants are never mutated.
   */
  decode(key: string, raw: string, uses: string | null): Grant {
    let hit = this.last.get(key);
    if (hit === undefined || hit.raw !== raw) {
      hit = { raw, grant: decodeGrant(raw, null) };
      if (this.last.size >= this.capacity) this.last.clear();
      this.last.set(key, hit);
    }
    const grant = { ...hit.grant };
    const counted = uses === null ? Number.NaN : Number(uses);
    if (Number.isFinite(counted)) grant.uses = counted;
    return grant;
  }
}
