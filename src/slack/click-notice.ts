// Where a click's notice goes: an ephemeral in the message's conversation, or, for App Home clicks (no
// conversation; Slack refuses an ephemeral addressed to a user id), a DM to the person who clicked.
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../lib/logger.js';

interface ClickBody {
  user: { id: string };
  channel?: { id: string };
  container?: { type?: string };
}

export type Notice = { text: string; blocks?: unknown[] };

export function clickNotice(
  client: Pick<WebClient, 'chat'>,
  body: ClickBody,
  logger: Logger,
): (notice: Notice) => Promise<unknown> {
  const blocks = (notice: Notice) => (notice.blocks ? { blocks: notice.blocks as never } : {});
  const channel = body.container?.type === 'view' ? undefined : body.channel?.id;
  return (notice) =>
    (channel
      ? client.chat.postEphemeral({ channel, user: body.user.id, text: notice.text, ...blocks(notice) })
      : client.chat.postMessage({ channel: body.user.id, text: notice.text, ...blocks(notice) })
    ).catch((error: unknown) => logger.warn({ err: error }, 'click notice failed'));
}
