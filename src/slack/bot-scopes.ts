// The bot scopes Countersign needs, the same list manifest.yml asks for (a unit test keeps them equal).
export const REQUIRED_BOT_SCOPES: readonly string[] = [
  'chat:write',
  'im:write',
  'mpim:write',
  'users:read',
  'users:read.email',
  'usergroups:read',
  'commands',
  'channels:read',
  'groups:read',
  'channels:history',
  'groups:history',
  'im:history',
];
