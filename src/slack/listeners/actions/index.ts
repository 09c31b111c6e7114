// Approve and Deny clicks: ack at once, record the click durably, then apply it (src/slack/click-desk.ts):
// inline when the cached directory and Redis answer, else by the click job once Slack is back.
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { clickRecord } from '../../click-record.js';
import { ACTION } from '../../ids.js';
import type { SlackDeps } from '../index.js';
import { registerChanges } from './change.js';

export function register(app: App, deps: SlackDeps): void {
  for (const kind of ['approve', 'deny'] as const) {
    app.action<BlockAction<ButtonAction>>(ACTION[kind], async ({ ack, body, action }) => {
      await ack();
      await deps.clicks.take(clickRecord(body, action, { kind, grantId: action.value ?? '' }, deps.now()));
    });
  }
  registerChanges(app, deps);
  // Link buttons still send an action; acknowledge so Slack shows no error.
  app.action(ACTION.openInBrowser, async ({ ack }) => ack());
}
