// Every MCP tool, registered from one list.
import type { McpServer } from '@modelcontextprotocol/server';
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

export function registerTools(server: McpServer, deps: ToolDeps): void {
  for (const register of TOOLS) register(server, deps);
}
