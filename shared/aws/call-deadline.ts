import { AwsDeadlineError } from "./errors";

/** Which call a deadline error names. */
export interface CallName {
  readonly service: string;
  readonly operation: string;
}

/**
 * Runs `run` with a signal that aborts once `deadlineMs` have passed (or when `caller` aborts), and
 * settles by then whatever `run` does: a step that ignores the signal (a credential provider) is
 * left behind, not waited for.
 * @throws AwsDeadlineError naming the call and its deadline when the deadline came first.
 */
export async function withinDeadline<T>(
  call: CallName,
  deadlineMs: number,
  run: (signal: AbortSignal) => Promise<T>,
  caller?: AbortSignal,
): Promise<T> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), deadlineMs);
  const signal = caller ? AbortSignal.any([caller, deadline.signal]) : deadline.signal;
  let release = () => {};
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    release = () => signal.removeEventListener("abort", onAbort);
  });
  try {
    return await Promise.race([run(signal), aborted]);
  } catch (error) {
    if (deadline.signal.aborted && !caller?.aborted) {
      throw new AwsDeadlineError(call.service, call.operation, deadlineMs, { cause: error });
    }
    throw error;
  } finally {
    clearTimeout(timer);
    release();
  }
}

/** What the deadline needs of an SDK v3 client (every generated client, lib-dynamodb's too). */
export interface SdkClient {
  readonly config: { readonly serviceId?: string };
  send(command: never, options?: never): Promise<unknown>;
}

type SendOptions = { readonly abortSignal?: AbortSignal } & Record<string, unknown>;

/** The deadline each bounded client was given, so a client built over it can be given the same. */
const deadlines = new WeakMap<object, number>();

/**
 * The operation a command runs, from its schema: class names do not survive a minifying bundler.
 * lib-dynamodb's commands keep the schema on the command they wrap.
 */
function operationOf(command: unknown): string {
  const c = (command ?? {}) as {
    schema?: unknown;
    clientCommand?: { schema?: unknown };
    constructor?: { name?: string };
  };
  const schema = c.schema ?? c.clientCommand?.schema;
  const name = Array.isArray(schema) ? schema[2] : (schema as { name?: unknown } | undefined)?.name;
  if (typeof name === "string" && name !== "") return name;
  return c.constructor?.name?.replace(/Command$/, "") || "UnknownOperation";
}

/**
 * Bounds every call `client` sends: its `send` gets an abort signal that fires at the deadline, which
 * the SDK honours in its request handler (connection, headers and body), its retry waits and its rate
 * limiter; the call ends then with `AwsDeadlineError`, even where something ignores the signal. The
 * SDK's own `requestTimeout` ends only an attempt's wait for headers: a body that trickles would
 * hold the call for ever. Callbacks are not supported (keyrotor never passes one).
 */
export function withDeadline<C extends SdkClient>(client: C, deadlineMs: number): C {
  const service = (client.config.serviceId ?? "AWS").replace(/\s+/g, "");
  const send = (command: unknown, options: SendOptions = {}) =>
    withinDeadline(
      { service, operation: operationOf(command) },
      deadlineMs,
      // Looked up at each call, so a test's stub of the class's `send` is still what runs.
      (abortSignal) => Object.getPrototypeOf(client).send.call(client, command, { ...options, abortSignal }),
      options.abortSignal,
    );
  Object.defineProperty(client, "send", { value: send, configurable: true, writable: true });
  deadlines.set(client, deadlineMs);
  return client;
}

/**
 * `derived`, a client built over `base` with a `send` of its own (lib-dynamodb's document client), with
 * `base`'s deadline; as it is when `base` has none (a test's stand-in).
 */
export function withDeadlineOf<C extends SdkClient>(derived: C, base: object): C {
  const deadlineMs = deadlines.get(base);
  return deadlineMs === undefined ? derived : withDeadline(derived, deadlineMs);
}
