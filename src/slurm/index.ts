/** The Slurm executor: job templates, submission as a chain, job states, one stage per job, the time guard. */
export { submitPipeline, stagesToSubmit, type SubmitOptions, type SubmitResult } from './executor.js';
export { runStage, JOB_STAGES, type JobStage, type StageOptions } from './stage.js';
export { statusLines } from './status.js';
export { TimeGuard, type TimePhase, type TimeGuardOptions } from './time-guard.js';
export { parseSlurmTime } from './time.js';
export { fillTemplate, renderTemplate, shellQuote, TEMPLATES, type TemplateName } from './templates.js';
