// One line of the bench's "faults" section: what was measured under an injected fault, beside its target.
export interface FaultRow {
  /** The fault scenario, e.g. "worker SIGKILL mid-sweep (10 × 200)". Repeated rows of one scenario share it. */
  scenario: string;
  metric: string;
  value: string;
  /** The target, as text ("0", "≤ 2 s", "all"); empty when the row is a figure only. */
  target?: string;
  met?: boolean;
}
