/**
 * Structured logging, as Powertools' Logger offers it: a message and attribute objects. The one log
 * port of keyrotor: use cases take a `Log`, the functions pass Powertools' Logger (shared/logger.ts),
 * the CLI its own, the tests `tests/support/log.ts`.
 */
export interface Log {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}
