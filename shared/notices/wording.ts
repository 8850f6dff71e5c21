import type { NoticeEvent } from "../messages";
import { deliveryLine, destinationsList } from "./delivery-wording";
import { incidentLine } from "./incident-wording";
import { type Audience, day, type Line } from "./words";

export { type Audience, count, day, type Line } from "./words";

/** The AWS CLI command a consumer runs, with their own credentials, to read the current key. */
export function retrievalCommand(secretId: string): string {
  return `aws secretsmanager get-secret-value --secret-id '${secretId}' --query SecretString --output text`;
}

const readersOf = (user: string, readers: readonly string[] | undefined) =>
  [`the IAM user ${user}`, ...(readers ?? [])].join(", ");

/** What a finding about the user's secret or tags means, and what to do about it. */
const FINDINGS: Record<string, { what: string; next?: string }> = {
  "foreign-secret": {
    what: "A secret with keyrotor's name exists that keyrotor did not create, so keyrotor will not store keys in it.",
    next: "Delete or rename that secret, or ask your platform team to let keyrotor adopt it; rotation resumes on the next run.",
  },
  "secret-adopted": { what: "keyrotor adopted the existing secret and reset its policy." },
  "secret-gone": {
    what: "The secret holding the current key is gone, so the old key stays active.",
    next: "Nothing to do: keyrotor stores a new key at the next rotation. Tell your platform team if you did not delete it.",
  },
  "secret-deleting": { what: "Someone scheduled the secret for deletion." },
  "secret-restored": { what: "Someone scheduled the secret for deletion; keyrotor restored it." },
  "foreign-version": {
    what: "The secret holds a value keyrotor did not write; no older key is retired until keyrotor stores a new one.",
    next: "Find out who wrote it; do not write into keyrotor's secrets.",
  },
  "kms-changed": { what: "The secret's encryption key was changed." },
  "policy-restored": {
    what: "The secret's resource policy had been changed; keyrotor put back the one that lets only the user and its readers read it.",
    next: "If someone needs to read the key, ask your platform team to add them as a reader.",
  },
  "policy-updated": { what: "The readers of the secret changed; keyrotor updated its policy." },
  "replicas-updated": { what: "The secret's replica regions were brought in line with the configuration." },
  "readers-ignored": {
    what: "The user's readers tag names principals your platform team has not allowed; they cannot read the key.",
    next: "Ask your platform team to allow them, or remove them from the tag.",
  },
  "upkeep-failed": {
    what: "keyrotor could not check or repair the secret.",
    next: "keyrotor tries again on its next run; tell your platform team if this keeps coming back.",
  },
};

/** What a line may know about the rest of the user's notice. */
export interface LineContext {
  /** The user's next steps, for dates to quote. */
  readonly later: (keyId: string, action?: string) => string | undefined;
  /** New keys some destination has not received yet: the keys they replace stay Active until it does. */
  readonly undelivered?: ReadonlySet<string>;
  readonly audience?: Audience;
}

/** The line for one event about `user`. */
export function lineOf(user: string, e: NoticeEvent, ctx: LineContext): Line {
  const key = e.keyId ?? "";
  const later = ctx.later;
  switch (e.kind) {
    case "created":
      return {
        what: `${user}: new key ${key} is stored in secret ${e.secretName}. Who can read it: ${readersOf(user, e.readers)}.`,
        ...destinationsList(e, "keyrotor delivered it to:"),
        next: `${user} or a reader fetches it with the command below and updates ${e.destinations ? "anything else that uses" : "what uses"} the old key${untilWhen(e, ctx)}.`,
        command: retrievalCommand(e.secretArn ?? e.secretName ?? ""),
      };
    case "deactivated":
      return {
        what: `${user}: old key ${key} was deactivated (${e.detail}).`,
        next:
          e.replacementStored === true
            ? `If something stopped working, switch it to the new key in ${user}'s keyrotor secret; ${key} can be re-activated in IAM until it is deleted${later(key) ? ` on ${later(key)}` : ""}.`
            : e.replacementStored === false
              ? `${user}'s other key (${e.detail?.replace("replaced by ", "")}, made outside keyrotor) stays active: anything still using ${key} must switch to it.`
              : `If ${key} is still needed, re-activate it in IAM (keyrotor does not deactivate it a second time) and ask your platform team to exempt the user.`,
      };
    case "deleted":
      return {
        what: `${user}: key ${key} was deleted (${e.detail === "unrecorded" ? "keyrotor made it but could not store it, and nobody used it" : "it had been inactive long enough"}).`,
      };
    case "would-create":
    case "would-deactivate":
    case "would-delete":
      return {
        what: `${user}: would ${e.kind.slice(6)} ${e.kind === "would-create" ? "a new key" : `key ${key}`} (${e.detail}).`,
        ...destinationsList(e, "It would be delivered to:"),
      };
    case "warning":
      return warningLine(user, e);
    case "blocked":
      return blocked(user, e);
    case "held":
      return {
        what: `${user}: keyrotor is holding off: ${e.detail}.`,
        next: "Check who uses that key (aws iam get-access-key-last-used), then delete it if nobody should; keyrotor resumes on its next run.",
      };
    case "failed":
      return {
        what: `${user}: ${e.action === "read" || !e.action ? "could not be checked" : `${e.action} of key ${key} failed`}: ${e.detail}.`,
        next: "keyrotor tries again on its next run; if this keeps coming back, tell your platform team.",
      };
    case "incident":
      return incidentLine(user, e);
    case "secret": {
      const meaning = FINDINGS[e.finding ?? ""] ?? { what: e.detail ?? "" };
      const lead =
        e.outcome === "planned"
          ? "(audit mode, would be repaired) "
          : e.outcome === "failed"
            ? "(failed) "
            : "";
      return {
        what: `${user}: ${lead}${meaning.what} ${e.detail ? `Details: ${e.detail}.` : ""}`.trim(),
        ...(meaning.next ? { next: meaning.next } : {}),
      };
    }
    default:
      return deliveryLine(user, e, ctx.audience ?? "owner") ?? { what: `${user}: ${e.detail ?? e.kind}.` };
  }
}

const replaced = (e: NoticeEvent) => (e.detail ?? "").replace("replaces ", "");

/**
 * Until when the old key keeps working: its deactivation date, unless a destination has not received
 * the new key, which keeps the old one Active for as long as that lasts, whatever the date.
 */
function untilWhen(e: NoticeEvent, ctx: LineContext): string {
  if (ctx.undelivered?.has(e.keyId ?? "")) {
    return `; the old key stays Active until every destination has the new key, and is deactivated after that`;
  }
  const on = ctx.later(replaced(e), "deactivate");
  return on ? ` before ${on}, when the old key is deactivated` : "";
}

function warningLine(user: string, e: NoticeEvent): Line {
  const when = day(e.on);
  if (e.step === "deactivate") {
    const how =
      e.exemptTag && e.exemptGroup
        ? `: tag the user ${e.exemptTag}=true or add it to the IAM group ${e.exemptGroup}, as your platform team agrees`
        : " (ask your platform team)";
    return {
      what: `${user}: key ${e.keyId} has not been used for a long time and will be deactivated on ${when}.`,
      next: `If something still needs it, exempt the user before then${how}. If something uses it that IAM does not show, tell your platform team what, so they can check.`,
    };
  }
  if (e.blocker === "two-keys") {
    return {
      what: `${user}: key ${e.keyId} is due for rotation on ${when}, but the rotation will be blocked: the user already has two keys and keyrotor never deletes an active one.`,
      next: `Before ${when}, delete the key nobody uses (aws iam delete-access-key --user-name ${user} --access-key-id <id>).`,
    };
  }
  if (e.blocker === "foreign-secret") {
    return {
      what: `${user}: key ${e.keyId} is due for rotation on ${when}, but the rotation will be blocked: a secret keyrotor did not create holds its name.`,
      next: "Delete or rename that secret before then, or ask your platform team to let keyrotor adopt it.",
    };
  }
  return {
    what: `${user}: key ${e.keyId} will be rotated on ${when}.`,
    next: "Nothing to do now: the new key will be in the user's secret, and the old key keeps working for a while after.",
  };
}

function blocked(user: string, e: NoticeEvent): Line {
  return e.blocker === "foreign-secret"
    ? {
        what: `${user}: rotation is blocked: ${e.detail}.`,
        next: "Delete or rename that secret, or ask your platform team to let keyrotor adopt it; keyrotor rotates on its next run.",
      }
    : {
        what: `${user}: rotation is blocked: ${e.detail}.`,
        next: `Delete the key nobody uses (aws iam delete-access-key --user-name ${user} --access-key-id <id>); keyrotor rotates on its next run.`,
      };
}
