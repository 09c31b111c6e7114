// Revoke and Extend on an approved grant, from its message or from App Home: ack at once, record the click,
// apply it like a decision (src/slack/click-desk.ts); the refresh job then re-renders and moves the expiry.
import type { App, BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';
import { clickRecord } from '../../click-record.js';
import { ACTION } from '../../ids.js';
import { parseExtensionValue } from '../../views/grant-controls.js';
import type { SlackDeps } from '../index.js';

export function registerChanges(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION.revoke, async ({ ack, body, action }) => {
    await ack();
    const click = clickRecord(body, action, { kind: 'revoke', grantId: action.value ?? '' }, deps.now());
    await deps.clicks.take(click);
  });
  app.action<BlockAction<StaticSelectAction>>(ACTION.extend, async ({ ack, body, action }) => {
    await ack();
    const parsed = parseExtensionValue(action.selected_option?.value);
    if (!parsed) return;
    const click = clickRecord(
      body,
      action,
      { kind: 'extend', grantId: parsed.grantId, extendTo: parsed.until },
      deps.now(),
    );
    await deps.clicks.take(click);
  });
}
