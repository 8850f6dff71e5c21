/** Bad command-line usage: unknown command or flag, missing or malformed value. Exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
