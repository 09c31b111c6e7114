// The approval flow in three sentences: the server's instructions and the flow tools' descriptions say the same.

/** Request → a person approves (Slack or the link) → call, or poll until decided. */
export const FLOW =
  'To reach a third-party API (server_info lists them and the limits), ask with request_elevated_access: a client that opens links shows the approval page itself, otherwise show the user the approval link it returns. ' +
  'A person approves in Slack, or the user opens that link and decides there; nothing you send can approve it. ' +
  'While it is pending, wait with check_access_request (waitSeconds up to 25); once approved, follow the approver’s instructions, call the API with call_integration_api, and end access with release_access when done.';
