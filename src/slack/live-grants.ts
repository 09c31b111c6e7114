// The grants Slack surfaces list: pending ones whose window is open and approved ones still running, read
// from the Slack indexes and checked against the live record (the clock may have moved them on).
import type { GrantStore } from '../grants/store-api.js';
import type { Grant } from '../grants/types.js';
import type { MessageRefs } from './message-refs.js';

export async function liveGrants(
  deps: { store: GrantStore; refs: MessageRefs },
  now: number,
  limit: number,
): Promise<{ pending: Grant[]; active: Grant[] }> {
  const load = async (ids: string[]) =>
    (await Promise.all(ids.map((id) => deps.store.get(id)))).filter((g): g is Grant => g !== null);
  const [pending, active] = await Promise.all([
    load(await deps.refs.pending(now, limit)),
    load(await deps.refs.active(now, limit)),
  ]);
  return {
    pending: pending.filter((g) => g.status === 'pending'),
    active: active.filter((g) => g.status === 'approved'),
  };
}
