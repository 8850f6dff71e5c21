import type { CopyLedger } from "../destinations/copy-ledger";
import { checkSmtpLogin } from "../destinations/smtp/verify";
import {
  DEFAULT_HTTP_DEPS,
  DeliveryError,
  type DestinationWriter,
  type HttpDeps,
} from "../destinations/types";
import type { BoundDestination } from "../destinations/validate";
import { writerOf } from "../destinations/writers";
import { describeError } from "../errors";
import type { Redacted } from "../redacted";
import type { KeyPorts, WriterSource } from "../rotation/ports";
import type { ClientOptions } from "./client-config";
import { StsKeyVerifier } from "./key-verifier";
import { KmsAdapter } from "./kms";
import { type MemberRole, memberRoleArn } from "./member-account";
import { SecretsAdapter } from "./secrets";
import { SsmAdapter } from "./ssm";
import { type SessionCredentials, type StsAdapter, sessionName } from "./sts";

/** How long a token read from Secrets Manager is reused: a replaced token is picked up within this. */
const TOKEN_TTL_MS = 5 * 60_000;

export interface WriterSourceOptions {
  /** Reads the management account's token secrets (`keyrotor-tokens/...`) with keyrotor's own role. */
  readonly tokens: Pick<SecretsAdapter, "readSecretValue">;
  readonly sts: StsAdapter;
  /** keyrotor's record of the central copies it created: the ledger. */
  readonly copies: CopyLedger;
  readonly role: MemberRole;
  readonly aws: ClientOptions;
  readonly http?: HttpDeps;
  readonly now?: () => number;
}

/**
 * Builds each destination's writer: HTTP destinations with their API token (read from keyrotor's own
 * account, kept a few minutes), AWS destinations with the member role of the account they write in.
 */
export function destinationWriters(options: WriterSourceOptions): WriterSource {
  const now = options.now ?? Date.now;
  const tokens = new Map<string, { value: Promise<Redacted<string>>; at: number }>();
  const sessions = new Map<string, Promise<SessionCredentials>>();

  const token = (name: string): Promise<Redacted<string>> => {
    const cached = tokens.get(name);
    if (cached && now() - cached.at < TOKEN_TTL_MS) return cached.value;
    const value = options.tokens.readSecretValue(name).catch((error: unknown) => {
      tokens.delete(name);
      throw new DeliveryError(
        `the API token in secret ${name} could not be read (${describeError(error).message})`,
        "unauthorized",
        `create the secret ${name} in keyrotor's account holding the token (see docs/operations.md)`,
        { cause: error },
      );
    });
    tokens.set(name, { value, at: now() });
    return value;
  };

  const session = (accountId: string, runId: string): Promise<SessionCredentials> => {
    const cached = sessions.get(accountId);
    const fresh = (c: SessionCredentials) => !c.expiration || c.expiration.getTime() - now() > 5 * 60_000;
    const assume = () =>
      options.sts.assumeRole(memberRoleArn(options.role, accountId), sessionName("keyrotor", runId));
    const next = cached ? cached.then((c) => (fresh(c) ? c : assume())) : assume();
    const kept = next.catch((error: unknown) => {
      sessions.delete(accountId);
      throw error;
    });
    sessions.set(accountId, kept);
    return kept;
  };

  const http = options.http ?? DEFAULT_HTTP_DEPS;
  return {
    async writerFor(bound: BoundDestination, accountId: string): Promise<DestinationWriter> {
      const d = bound.destination;
      return writerOf(d, {
        token,
        http,
        accountId,
        copies: options.copies,
        now,
        async member(account, inRegion) {
          const credentials = await session(account, `deliver-${accountId}`);
          const where = { ...options.aws, credentials, ...region(inRegion) };
          const secrets = once(() => SecretsAdapter.create(where));
          return {
            secureStrings: once(() => SsmAdapter.create(where)),
            keys: once(() => KmsAdapter.create(where)),
            secrets,
            region: () => secrets().region(),
          };
        },
      });
    },
  };
}

const region = (r: string | undefined) => (r ? { region: r } : {});

/** `build`'s result, built on the first call and kept. */
function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}

/**
 * The rotator's (and the CLI's) key ports: new keys proven with STS, escrowed with KMS, delivered
 * through `destinationWriters`, the central copies recorded in `copies` (the ledger), SES SMTP logins
 * checked with `checkSmtpLogin`. Token secrets are read with keyrotor's own credentials (`aws`).
 */
export function keyPorts(
  sts: StsAdapter,
  role: MemberRole,
  aws: ClientOptions,
  copies: CopyLedger,
): KeyPorts {
  return {
    verifier: new StsKeyVerifier(aws),
    escrow: KmsAdapter.create(aws),
    writers: destinationWriters({ tokens: SecretsAdapter.create(aws), sts, copies, role, aws }),
    smtp: (endpoint, username, password) => checkSmtpLogin(endpoint, username, password),
  };
}
