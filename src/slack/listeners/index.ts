// Registers every Slack listener, each kind from its own folder.
import type { App } from '@slack/bolt';
import type { AuditSink } from '../../audit/audit-log.js';
import type { Config, SlackConfig } from '../../config.js';
import type { GrantStore } from '../../grants/store-api.js';
import type { Logger } from '../../lib/logger.js';
import type { AuditQuery } from '../audit-query.js';
import type { ClickDesk } from '../click-desk.js';
import type { SlackDirectory } from '../directory.js';
import type { HomePublisher } from '../home-publisher.js';
import type { MessageRefs } from '../message-refs.js';
import type { SlackMessenger } from '../messenger.js';
import type { SlackSetupMonitor } from '../setup-monitor.js';
import { register as registerActions } from './actions/index.js';
import { register as registerCommands } from './commands/index.js';
import { register as registerHome } from './home/index.js';

export interface SlackDeps {
  slack: SlackConfig;
  policy: Config['policy'];
  store: GrantStore;
  directory: SlackDirectory;
  refs: MessageRefs;
  messenger: SlackMessenger;
  home: HomePublisher;
  /** Records and applies Approve, Deny, Revoke and Extend clicks. */
  clicks: Pick<ClickDesk, 'take'>;
  auditQuery: AuditQuery;
  audit: AuditSink;
  /** The Slack self-check, for `/countersign check` (absent in tests that build listeners alone). */
  setup?: Pick<SlackSetupMonitor, 'runNow'>;
  logger: Logger;
  /** Our workspace: clicks from any other team are refused. */
  teamId(): Promise<string | undefined>;
  now(): number;
}

export function registerListeners(app: App, deps: SlackDeps): void {
  registerActions(app, deps);
  registerCommands(app, deps);
  registerHome(app, deps);
}
