import type { Channel } from "../../shared/channels/config";
import { channelPreview } from "../../shared/channels/preview";
import { writePreview, writePreviews } from "../../shared/notices/preview";
import { SAMPLE_NOTICES } from "../../shared/notices/samples";
import { type Digest, renderDigest, reportKey } from "../../shared/report/digest";
import { sampleOrgReport } from "../../shared/report/sample";
import type { ValuesOf } from "../args";
import { EXIT } from "../errors";
import type { CommandContext } from "./context";
import type { PREVIEW } from "./specs";

/** The made-up organization the previewed digest describes: a dozen accounts, two with incidents. */
export const SAMPLE_DIGEST_ACCOUNTS = 12;

/** The weekly digest of the sample organization, its report as if stored in an example bucket. */
export function sampleDigest(): Digest {
  const report = sampleOrgReport(SAMPLE_DIGEST_ACCOUNTS);
  return renderDigest(report, {
    partition: "aws",
    region: "eu-west-1",
    bucket: "keyrotor-prod-reports-example",
    key: reportKey(report.generatedAt),
    retentionDays: 90,
  });
}

/**
 * `keyrotor preview`: every kind of notice, and the weekly digest of a sample organization, rendered
 * from sample data and written to files, so nobody has to deploy to read them; with `--channel`, what
 * that chat or webhook would receive for each notice, printed. No AWS.
 */
export async function run(values: ValuesOf<typeof PREVIEW.options>, { io }: CommandContext) {
  if (values.channel) {
    io.stdout(channelPreview(values.channel as Channel["type"], SAMPLE_NOTICES));
    return EXIT.ok;
  }
  const directory = values.output ?? "notice-preview";
  const files = [
    ...(await writePreviews(directory)),
    ...(await writePreview(directory, "weekly-digest", sampleDigest())),
  ];
  io.stdout(
    `wrote ${files.length} files to ${directory}: ${files.map((f) => f.slice(directory.length + 1)).join(", ")}`,
  );
  return EXIT.ok;
}
