// App Home: published from the live grants for the viewer's role whenever they open it.
import type { App } from '@slack/bolt';
import type { SlackDeps } from '../index.js';

export function register(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab && event.tab !== 'home') return;
    await deps.home.opened(event.user);
    await deps.home.publish(client, event.user);
  });
}
