// Slack gives an interaction 3 s to be acknowledged, or shows the person an error. Listeners ack first, except
// the slash command, which answers in its ack and needs Redis for that: a stalled Redis (each command may take
// REDIS_COMMAND_TIMEOUT) or a failed listener must not leave it unacknowledged. This guard acks in time and
// delivers a late answer through the command's response_url instead.
import type { App, ReceiverEvent } from '@slack/bolt';
import type { Logger } from '../lib/logger.js';

/** Past this, an unacknowledged interaction is acknowledged for the listener (Slack's limit is 3 s). */
export const ACK_BUDGET_MS = 2500;

export const WORKING_TEXT = 'Working on it: the answer follows in a moment.';
export const FAILED_TEXT = 'Countersign could not answer that right now. Try again in a few seconds.';

export function guardAcks(app: App, logger: Logger, budgetMs = ACK_BUDGET_MS): void {
  const processEvent = app.processEvent.bind(app);
  app.processEvent = async (event: ReceiverEvent) => {
    const responseUrl = typeof event.body.response_url === 'string' ? event.body.response_url : null;
    const command = typeof event.body.command === 'string';
    let acked = false;
    /** Set when the guard acknowledged with "working on it": the answer (or the failure) is still owed. */
    let owed = false;
    const ack: ReceiverEvent['ack'] = async (response) => {
      if (!acked) {
        acked = true;
        return event.ack(response);
      }
      // The guard acknowledged already: an answer given to ack goes to the response_url.
      if (owed && responseUrl && response !== undefined) {
        owed = false;
        await postResponse(responseUrl, response, logger);
      }
    };
    const fallback = (text: string) => {
      acked = true;
      Promise.resolve(event.ack(command ? { response_type: 'ephemeral', text } : undefined)).catch(
        (error: unknown) => logger.warn({ err: error }, 'Slack fallback ack failed'),
      );
    };
    const timer = setTimeout(() => {
      if (acked) return;
      owed = command;
      fallback(WORKING_TEXT);
    }, budgetMs);
    try {
      // Bolt hands listener errors to app.error and resolves: "not acked by now" is how a failure shows here.
      await processEvent({ ...event, ack });
    } finally {
      clearTimeout(timer);
    }
    if (!acked) fallback(FAILED_TEXT);
    else if (owed && responseUrl) await postResponse(responseUrl, FAILED_TEXT, logger);
  };
}

async function postResponse(url: string, response: unknown, logger: Logger): Promise<void> {
  const body = typeof response === 'string' ? { text: response } : response;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', ...(body as object) }),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) logger.warn({ status: res.status }, 'Slack response_url refused the late answer');
  } catch (error) {
    logger.warn({ err: error }, 'Slack response_url unreachable for the late answer');
  }
}
