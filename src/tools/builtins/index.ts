/** The built-in tools, registered like plugins are. */
import { AllBatchesFilter } from '../filter.js';
import { registerFilter, registerRunner, registerScheduler } from '../registry.js';
import { RemoveSelectedRunner } from '../runner.js';
import { DefaultScheduler } from '../scheduler.js';
import { DuplicationFilter } from './duplication-based.js';
import { ImageVerificationRunner } from './image-verification.js';
import { ResizeRunner } from './resize.js';
import { SizeBasedFilter } from './size-based.js';

const BUILTINS = {
  size_based: { filter: SizeBasedFilter, runner: RemoveSelectedRunner },
  duplication_based: { filter: DuplicationFilter, runner: RemoveSelectedRunner },
  resize: { filter: AllBatchesFilter, runner: ResizeRunner },
  image_verification: { filter: AllBatchesFilter, runner: ImageVerificationRunner },
};

for (const [name, stages] of Object.entries(BUILTINS)) {
  registerFilter(name, stages.filter);
  registerScheduler(name, DefaultScheduler);
  registerRunner(name, stages.runner);
}

export { DuplicationFilter, ImageVerificationRunner, ResizeRunner, SizeBasedFilter };
