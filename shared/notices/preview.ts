import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderNotice } from "./render";
import { SAMPLE_NOTICES } from "./samples";

/**
 * Writes every kind of notice keyrotor sends, each as `<kind>.html` and `<kind>.txt` (subject on the
 * first line), into `directory`, so a person can look at them. Returns the files written.
 */
export async function writePreviews(directory: string): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const files: string[] = [];
  for (const [kind, notice] of Object.entries(SAMPLE_NOTICES)) {
    const { subject, text, html } = renderNotice(notice);
    const htmlFile = join(directory, `${kind}.html`);
    const textFile = join(directory, `${kind}.txt`);
    await writeFile(htmlFile, html);
    await writeFile(textFile, `Subject: ${subject}\n\n${text}\n`);
    files.push(htmlFile, textFile);
  }
  return files;
}
