import { AwsCallError } from "../errors";
import { type AsffFinding, type FindingProduct, idPrefix, sanitize } from "../findings/asff";
import {
  type FindingIdentifier,
  type FindingsPort,
  FindingsResolveError,
  NOTE_AUTHOR,
  type RefusedFinding,
} from "../findings/sync-findings";
import type { ClientOptions } from "./client-config";
import { type JsonService, SignedJsonClient } from "./signed-json";

/**
 * Security Hub over a signed `fetch`: its SDK client would put serializers for the whole ASFF into
 * the rotator, more than the function's bundle may weigh.
 */
export const SECURITY_HUB: JsonService = {
  name: "SecurityHub",
  signingName: "securityhub",
  envName: "SECURITYHUB",
};
/** BatchImportFindings takes at most 100 findings a request. */
export const IMPORT_BATCH = 100;
/** BatchUpdateFindings names at most 100 findings a request. */
export const RESOLVE_BATCH = 100;
/** The longest note Security Hub takes. */
const NOTE_MAX = 512;
const GENERATOR_PREFIX = "keyrotor/";
/** How every keyrotor finding's Id begins, whatever account it is about (`idPrefix`). */
const ID_PREFIX = "keyrotor/";

/** The account keyrotor runs in and its partition (`StsAdapter.whoAmI`). */
export type WhoAmI = () => Promise<{ readonly accountId: string; readonly partition: string }>;

/** A string filter of GetFindings. */
interface StringFilter {
  readonly Value: string;
  readonly Comparison: "EQUALS" | "PREFIX";
}

/** A finding as Security Hub returns it, as far as keyrotor reads it: any field may be missing. */
interface ReturnedFinding
  extends Partial<Omit<AsffFinding, "Severity" | "Remediation" | "Compliance" | "Workflow" | "Note">> {
  readonly Severity?: { readonly Label?: AsffFinding["Severity"]["Label"] };
  readonly Remediation?: { readonly Recommendation?: { readonly Text?: string } };
  readonly Compliance?: Partial<NonNullable<AsffFinding["Compliance"]>>;
  readonly Workflow?: Partial<NonNullable<AsffFinding["Workflow"]>>;
  readonly Note?: { readonly Text?: string; readonly UpdatedBy?: string; readonly UpdatedAt?: string };
}

interface GetFindingsOutput {
  readonly Findings?: ReturnedFinding[];
  readonly NextToken?: string;
}

interface UpdateOutput {
  readonly UnprocessedFindings?: {
    readonly FindingIdentifier?: { readonly Id?: string; readonly ProductArn?: string };
    readonly ErrorCode?: string;
    readonly ErrorMessage?: string;
  }[];
}

interface ImportOutput {
  readonly FailedCount?: number;
  readonly SuccessCount?: number;
  readonly FailedFindings?: {
    readonly Id?: string;
    readonly ErrorCode?: string;
    readonly ErrorMessage?: string;
  }[];
}

/**
 * keyrotor's own findings in the Security Hub of the account it runs in, under that account's
 * default product: imported, listed per member account, closed by importing them archived; an
 * incident's finding, which stays active, resolved through its workflow.
 */
export class SecurityHubAdapter implements FindingsPort {
  private known: Promise<FindingProduct> | undefined;

  constructor(
    private readonly client: SignedJsonClient,
    private readonly whoAmI: WhoAmI,
  ) {}

  static create(whoAmI: WhoAmI, options?: ClientOptions): SecurityHubAdapter {
    return new SecurityHubAdapter(SignedJsonClient.create(SECURITY_HUB, options), whoAmI);
  }

  /** Learnt once per container; a failure is not remembered, so the next job asks again. */
  product(): Promise<FindingProduct> {
    this.known ??= (async () => {
      const region = this.client.region();
      const { accountId, partition } = await this.whoAmI();
      const productArn = `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
      return { productArn, accountId, partition, region };
    })();
    this.known.catch(() => {
      this.known = undefined;
    });
    return this.known;
  }

  /**
   * keyrotor's ACTIVE findings about `accountId`'s users, every page. What Security Hub returns is
   * checked again against the same conditions: only keyrotor's own findings are ever resolved.
   */
  async activeFindings(accountId: string): Promise<AsffFinding[]> {
    const { productArn } = await this.product();
    const prefix = idPrefix(accountId);
    const found: AsffFinding[] = [];
    const filters: Record<string, StringFilter[]> = {
      ProductArn: [{ Value: productArn, Comparison: "EQUALS" }],
      Id: [{ Value: prefix, Comparison: "PREFIX" }],
      GeneratorId: [{ Value: GENERATOR_PREFIX, Comparison: "PREFIX" }],
      RecordState: [{ Value: "ACTIVE", Comparison: "EQUALS" }],
    };
    let token: string | undefined;
    do {
      const out = await this.client.post<GetFindingsOutput>("GetFindings", "/findings", {
        Filters: filters,
        MaxResults: 100,
        ...(token ? { NextToken: token } : {}),
      });
      for (const f of out.Findings ?? []) {
        const mine = f.ProductArn === productArn && f.Id?.startsWith(prefix) && f.RecordState === "ACTIVE";
        const finding = mine && f.GeneratorId?.startsWith(GENERATOR_PREFIX) ? asFinding(f) : null;
        if (finding) found.push(finding);
      }
      token = out.NextToken && out.NextToken !== token ? out.NextToken : undefined;
    } while (token);
    return found;
  }

  /** Imports in requests of 100; a finding Security Hub refuses is returned, a failed request throws. */
  async importFindings(findings: readonly AsffFinding[]): Promise<RefusedFinding[]> {
    const refused: RefusedFinding[] = [];
    for (let i = 0; i < findings.length; i += IMPORT_BATCH) {
      const body = { Findings: findings.slice(i, i + IMPORT_BATCH) };
      const out = await this.client.post<ImportOutput>("BatchImportFindings", "/findings/import", body);
      for (const f of out.FailedFindings ?? []) {
        refused.push({ id: f.Id ?? "", code: f.ErrorCode ?? "Unknown", message: f.ErrorMessage ?? "" });
      }
    }
    return refused;
  }

  /**
   * Sets each finding's workflow RESOLVED, with `note` (made fit for a finding) by keyrotor, in
   * requests of 100. Only keyrotor's own findings are asked for: the rotator's policy can limit what an
   * update changes, not which findings it names, so any other is named unresolved and never sent.
   * What Security Hub did not process, and every finding of a request that failed and of those after
   * it, is thrown as one `FindingsResolveError`. Asking again for a resolved finding changes nothing.
   */
  async resolve(findings: readonly FindingIdentifier[], note: string): Promise<void> {
    const { productArn } = await this.product();
    const mine = (f: FindingIdentifier) => f.productArn === productArn && f.id.startsWith(ID_PREFIX);
    const unique = [...new Map(findings.map((f) => [`${f.productArn} ${f.id}`, f])).values()];
    const unresolved: RefusedFinding[] = unique
      .filter((f) => !mine(f))
      .map((f) => ({ id: f.id, code: "NotKeyrotorsFinding", message: `not of ${productArn}` }));
    const asked = unique.filter(mine);
    const Note = { Text: sanitize(note, NOTE_MAX), UpdatedBy: NOTE_AUTHOR };
    let cause: unknown;
    for (let i = 0; i < asked.length; i += RESOLVE_BATCH) {
      const batch = asked.slice(i, i + RESOLVE_BATCH);
      const body = {
        FindingIdentifiers: batch.map((f) => ({ Id: f.id, ProductArn: f.productArn })),
        Workflow: { Status: "RESOLVED" },
        Note,
      };
      try {
        const out = await this.client.patch<UpdateOutput>(
          "BatchUpdateFindings",
          "/findings/batchupdate",
          body,
        );
        for (const f of out.UnprocessedFindings ?? []) {
          const failed = { id: f.FindingIdentifier?.Id ?? "", code: f.ErrorCode ?? "Unknown" };
          unresolved.push({ ...failed, message: f.ErrorMessage ?? "" });
          cause ??= new AwsCallError(
            SECURITY_HUB.name,
            "BatchUpdateFindings",
            failed.code,
            f.ErrorMessage ?? "",
          );
        }
      } catch (error) {
        const code = error instanceof AwsCallError ? error.code : "Error";
        const message = error instanceof Error ? error.message : String(error);
        unresolved.push(...asked.slice(i).map((f) => ({ id: f.id, code, message })));
        cause = error;
        break;
      }
    }
    if (unresolved.length > 0) throw new FindingsResolveError(unresolved, cause ? { cause } : {});
  }
}

/**
 * The fields keyrotor wrote, from a finding as Security Hub returns it; `null` when one it needs is
 * missing. Security Hub's own product fields (`aws/...`) are left out: they are not keyrotor's to send.
 */
function asFinding(f: ReturnedFinding): AsffFinding | null {
  const { SchemaVersion, Id, ProductArn, GeneratorId, AwsAccountId, CreatedAt, UpdatedAt, Title } = f;
  if (!SchemaVersion || !Id || !ProductArn || !GeneratorId || !AwsAccountId || !CreatedAt || !UpdatedAt) {
    return null;
  }
  if (!Title || !f.Description || !f.Severity?.Label || !f.Resources?.length) return null;
  const productFields = Object.entries(f.ProductFields ?? {}).filter(([key]) => !key.startsWith("aws/"));
  return {
    SchemaVersion,
    Id,
    ProductArn,
    GeneratorId,
    AwsAccountId,
    Types: f.Types ?? [],
    CreatedAt,
    UpdatedAt,
    ...(f.FirstObservedAt ? { FirstObservedAt: f.FirstObservedAt } : {}),
    ...(f.LastObservedAt ? { LastObservedAt: f.LastObservedAt } : {}),
    Severity: { Label: f.Severity.Label },
    Title,
    Description: f.Description,
    ...(f.Remediation?.Recommendation?.Text
      ? { Remediation: { Recommendation: { Text: f.Remediation.Recommendation.Text } } }
      : {}),
    ProductFields: Object.fromEntries(productFields),
    Resources: f.Resources,
    ...(f.Compliance?.Status ? { Compliance: f.Compliance as AsffFinding["Compliance"] } : {}),
    ...(f.Workflow?.Status ? { Workflow: { Status: f.Workflow.Status } } : {}),
    RecordState: "ACTIVE",
    ...(f.Note?.Text !== undefined && f.Note.UpdatedBy !== undefined
      ? { Note: { Text: f.Note.Text, UpdatedBy: f.Note.UpdatedBy } }
      : {}),
  };
}
