import type { Io } from "../process-io";
import type { CliServices } from "../services";

/** What every command runs with. */
export interface CommandContext {
  readonly io: Io;
  readonly services: CliServices;
}
