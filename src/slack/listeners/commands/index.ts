// The /countersign slash command: what Countersign is, your role, and the requests waiting right now.
import type { App } from '@slack/bolt';
import { isSlackApprover } from '../../click-policy.js';
import type { SlackDeps } from '../index.js';

export const COMMAND = '/countersign';

export function register(app: App, deps: SlackDeps): void {
  app.command(COMMAND, async ({ ack, command }) => {
    const user = await deps.directory.user(command.user_id).catch(() => null);
    const approver = user ? await isSlackApprover(user, deps.slack, deps.policy, deps.directory) : false;
    const waiting = await deps.refs.pending(deps.now(), 10);
    const lines = [
      '*Countersign* asks people before AI assistants get access to your tools (Linear, Notion, Snowflake…).',
      approver
        ? 'You are an *approver*: you may decide anyone’s request (not your own above the self-approval limit).'
        : `You may decide your own assistant’s requests up to *${deps.policy.selfApprove}* access.`,
      waiting.length > 0
        ? `${waiting.length} request${waiting.length === 1 ? ' is' : 's are'} waiting for a decision. Open the app’s Home tab to see them.`
        : 'No requests are waiting right now.',
    ];
    await ack({ response_type: 'ephemeral', text: lines.join('\n') });
  });
}
