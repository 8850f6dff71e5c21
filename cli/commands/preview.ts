import { writePreviews } from "../../shared/notices/preview";
import type { ValuesOf } from "../args";
import { EXIT } from "../errors";
import type { CommandContext } from "./context";
import type { PREVIEW } from "./specs";

/** `keyrotor preview`: every kind of notice, rendered from sample data, written to files. No AWS. */
export async function run(values: ValuesOf<typeof PREVIEW.options>, { io }: CommandContext) {
  const directory = values.output ?? "notice-preview";
  const files = await writePreviews(directory);
  io.stdout(
    `wrote ${files.length} files to ${directory}: ${files.map((f) => f.slice(directory.length + 1)).join(", ")}`,
  );
  return EXIT.ok;
}
