import type { FlowProblem } from './flow.js';

/** A flow document that fails validateFlow; `problems` name the node and field of each. */
export class FlowValidationError extends Error {
  constructor(
    readonly problems: FlowProblem[],
    /** What was invalid, for the message: "flow", "stored IVR flow 'x' version 3". */
    subject = 'flow',
  ) {
    super(`${subject} is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.name = 'FlowValidationError';
  }
}

/** A flow claims a dialed number that another flow's current version already answers. */
export class FlowConflictError extends Error {
  constructor(
    readonly number: string,
    /** The flow that has the number. */
    readonly owner: string,
  ) {
    super(`number ${number} is already answered by flow '${owner}'`);
    this.name = 'FlowConflictError';
  }
}
