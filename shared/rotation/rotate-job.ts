/**
 * Transitional re-exports. The rotator's job (rotate, then notice) moved to
 * `shared/jobs/rotate-job.ts`, so that the rotation use case no longer depends on the notices; these
 * names stay here only until the bench (`scripts/bench/`) and the fault tests (`tests/faults/`)
 * import them from there. Then this file and its exemption in `tests/unit/architecture.test.ts` go.
 */
export { type JobAttempt, type RotatorPorts, rotateJob } from "../jobs/rotate-job";
