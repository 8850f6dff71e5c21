/**
 * The most keyrotor reads of one provider answer. The answers it uses (a public key, a workspace, a
 * page of 100 variables) are a few KiB to a few tens of KiB; anything near this is not the API.
 */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** An answer's body was larger than keyrotor reads: it was refused unread past the bound. */
export class AnswerTooLargeError extends Error {
  override readonly name = "AnswerTooLargeError";
}

/**
 * The body of `response` as text, read a chunk at a time and never held whole beyond `maxBytes`: a
 * declared `Content-Length` over the bound is refused before reading, and the stream is cancelled
 * (the connection closed) as soon as the bytes read pass it. `signal` bounds the read as well as the
 * headers, so an answer that trickles a byte at a time ends with the request's timeout.
 *
 * @throws AnswerTooLargeError past the bound; the signal's reason once it aborts.
 */
export async function readBounded(
  response: Response,
  maxBytes: number,
  signal: AbortSignal,
): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new AnswerTooLargeError(`the answer declares ${declared} bytes, more than ${maxBytes}`);
  }
  if (response.body === null) return "";
  const reader = response.body.getReader();
  // A fetch other than Node's may leave the body running after its signal aborts: stop it here too.
  const abandon = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener("abort", abandon, { once: true });
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      signal.throwIfAborted();
      const { done, value } = await reader.read();
      // A read cut short by the abort ends as if the body were complete: it is not.
      signal.throwIfAborted();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new AnswerTooLargeError(`the answer is longer than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } finally {
    signal.removeEventListener("abort", abandon);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
