// Every MCP tool, registered from one list; the two that can need a person's consent get the URL-consent branch.
import type { McpServer } from '@modelcontextprotocol/server';
import { consentOnCall, consentOnRequest } from '../consent-tools.js';
import type { RegisterTool, ToolDeps } from '../tool-kit.js';
import { registerCallIntegrationApi } from './call-integration-api.js';
import { registerCheckAccessRequest } from './check-access-request.js';
import { registerConnectIntegration } from './connect-integration.js';
import { registerListIntegrations } from './list-integrations.js';
import { registerReleaseAccess } from './release-access.js';
import { registerRequestElevatedAccess } from './request-elevated-access.js';
import { registerServerInfo } from './server-info.js';
import { registerWhoami } from './whoami.js';

const TOOLS: RegisterTool[] = [
  registerServerInfo,
  registerWhoami,
  registerListIntegrations,
  registerConnectIntegration,
  registerRequestElevatedAccess,
  registerCheckAccessRequest,
  registerCallIntegrationApi,
  registerReleaseAccess,
];

/** Kept out of the tools' own files: their logic stays theirs, the consent branch wraps their handlers. */
const CONSENT: Record<string, (deps: ToolDeps, handler: never) => unknown> = {
  request_elevated_access: consentOnRequest,
  call_integration_api: consentOnCall,
};

export function registerTools(server: McpServer, deps: ToolDeps): void {
  const registering = new Proxy(server, {
    get(target, property, receiver) {
      if (property !== 'registerTool') return Reflect.get(target, property, receiver);
      return (name: string, config: unknown, handler: unknown) => {
        const wrap = CONSENT[name];
        return (target.registerTool as (...args: unknown[]) => unknown)(
          name,
          config,
          wrap ? wrap(deps, handler as never) : handler,
        );
      };
    },
  });
  for (const register of TOOLS) register(registering, deps);
}
