import type { Log } from "../../shared/rotation";

/** A `Log` that keeps every line as the JSON a structured logger would print, for leak scans. */
export function memoryLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const write =
    (level: string) =>
    (message: string, ...attributes: Record<string, unknown>[]) => {
      lines.push(JSON.stringify(Object.assign({ level, message }, ...attributes)));
    };
  return { lines, debug: write("DEBUG"), info: write("INFO"), warn: write("WARN"), error: write("ERROR") };
}
