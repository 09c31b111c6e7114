// Where the sandbox's own policy lives, for the sandbox's start-up and its guide alike.
import { fileURLToPath } from 'node:url';

/** policy.sandbox.yml at the repository root: alice's Linear reads auto-approved, Snowflake writes 2-of-@data-team. */
export const SANDBOX_POLICY_FILE = fileURLToPath(new URL('../../policy.sandbox.yml', import.meta.url));
