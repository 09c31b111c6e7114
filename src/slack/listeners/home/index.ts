// App Home: requests waiting for a decision and grants in force, with Revoke for approvers.
import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Grant } from '../../../grants/types.js';
import { isSlackApprover } from '../../click-policy.js';
import { homeView } from '../../views/home.js';
import type { SlackDeps } from '../index.js';

export function register(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab && event.tab !== 'home') return;
    await publishHome(client, event.user, deps);
  });
}

export async function publishHome(client: WebClient, userId: string, deps: SlackDeps): Promise<void> {
  const now = deps.now();
  const load = async (ids: string[]) =>
    (await Promise.all(ids.map((id) => deps.store.get(id)))).filter((g): g is Grant => g !== null);
  const [pending, active, viewer] = await Promise.all([
    load(await deps.refs.pending(now)),
    load(await deps.refs.active(now)),
    deps.directory.user(userId),
  ]);
  const isApprover = viewer ? await isSlackApprover(viewer, deps.slack, deps.policy, deps.directory) : false;
  // Non-approvers only see their own requests.
  const mine = (g: Grant) =>
    isApprover || (viewer?.email !== null && viewer?.email === g.owner.userEmail.toLowerCase());
  const contexts = new Map<string, Awaited<ReturnType<SlackDeps['messenger']['viewContext']>>>();
  const shown = [
    ...pending.filter((g) => g.status === 'pending'),
    ...active.filter((g) => g.status === 'approved'),
  ].filter(mine);
  for (const grant of shown) contexts.set(grant.id, await deps.messenger.viewContext(grant));
  const view = homeView({
    pending: shown.filter((g) => g.status === 'pending'),
    active: shown.filter((g) => g.status === 'approved'),
    ctxFor: (grant: Grant) => contexts.get(grant.id)!,
    isApprover,
  });
  await client.views.publish({ user_id: userId, view: view as never });
}
