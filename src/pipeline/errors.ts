/** A refused request of the user's (conflicting flags, a reset that would discard data): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
