import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderNotice } from "./render";
import { SAMPLE_NOTICES } from "./samples";

/** An email as it would be sent: what a preview file holds. */
export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * Writes `email` as `<name>.html` and `<name>.txt` (subject on the first line) into `directory`, which
 * it makes if missing. Returns the two files.
 */
export async function writePreview(directory: string, name: string, email: RenderedEmail): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const htmlFile = join(directory, `${name}.html`);
  const textFile = join(directory, `${name}.txt`);
  await writeFile(htmlFile, email.html);
  await writeFile(textFile, `Subject: ${email.subject}\n\n${email.text}\n`);
  return [htmlFile, textFile];
}

/**
 * Writes every kind of notice keyrotor sends, each as `<kind>.html` and `<kind>.txt`, into
 * `directory`, so a person can look at them. Returns the files written.
 */
export async function writePreviews(directory: string): Promise<string[]> {
  const files: string[] = [];
  for (const [kind, notice] of Object.entries(SAMPLE_NOTICES)) {
    files.push(...(await writePreview(directory, kind, renderNotice(notice))));
  }
  return files;
}
