import { type AsffFinding, type FindingProduct, idPrefix } from "../findings/asff";
import type { FindingsPort, RefusedFinding } from "../findings/sync-findings";
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
const GENERATOR_PREFIX = "keyrotor/";

/** The account keyrotor runs in and its partition (`StsAdapter.whoAmI`). */
export type WhoAmI = () => Promise<{ readonly accountId: string; readonly partition: string }>;

/** A string filter of GetFindings. */
interface StringFilter {
  readonly Value: string;
  readonly Comparison: "EQUALS" | "PREFIX";
}

/** A finding as Security Hub returns it, as far as keyrotor reads it: any field may be missing. */
interface ReturnedFinding
  extends Partial<Omit<AsffFinding, "Severity" | "Remediation" | "Compliance" | "Workflow">> {
  readonly Severity?: { readonly Label?: AsffFinding["Severity"]["Label"] };
  readonly Remediation?: { readonly Recommendation?: { readonly Text?: string } };
  readonly Compliance?: Partial<NonNullable<AsffFinding["Compliance"]>>;
  readonly Workflow?: Partial<NonNullable<AsffFinding["Workflow"]>>;
}

interface GetFindingsOutput {
  readonly Findings?: ReturnedFinding[];
  readonly NextToken?: string;
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
 * default product: imported, listed per member account, resolved by importing them archived.
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
  };
}
