import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from "@aws-sdk/client-securityhub";
import { type AsffFinding, type FindingProduct, idPrefix } from "../findings/asff";
import type { FindingsPort, RefusedFinding } from "../findings/sync-findings";
import { type ClientOptions, clientConfig } from "./client-config";
import { call } from "./errors";

const SERVICE = "SecurityHub";
/** BatchImportFindings takes at most 100 findings a request. */
export const IMPORT_BATCH = 100;
const GENERATOR_PREFIX = "keyrotor/";

/** The account keyrotor runs in and its partition (`StsAdapter.whoAmI`). */
export type WhoAmI = () => Promise<{ readonly accountId: string; readonly partition: string }>;

/**
 * keyrotor's own findings in the Security Hub of the account it runs in, under that account's
 * default product: imported, listed per member account, resolved by importing them archived.
 */
export class SecurityHubAdapter implements FindingsPort {
  private known: Promise<FindingProduct> | undefined;

  constructor(
    private readonly client: SecurityHubClient,
    private readonly whoAmI: WhoAmI,
  ) {}

  static create(whoAmI: WhoAmI, options?: ClientOptions): SecurityHubAdapter {
    return new SecurityHubAdapter(new SecurityHubClient(clientConfig(options)), whoAmI);
  }

  /** Learnt once per container; a failure is not remembered, so the next job asks again. */
  product(): Promise<FindingProduct> {
    this.known ??= (async () => {
      const [{ accountId, partition }, region] = await Promise.all([
        this.whoAmI(),
        this.client.config.region(),
      ]);
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
    let token: string | undefined;
    do {
      const out = await call(SERVICE, "GetFindings", () =>
        this.client.send(
          new GetFindingsCommand({
            Filters: {
              ProductArn: [{ Value: productArn, Comparison: "EQUALS" }],
              Id: [{ Value: prefix, Comparison: "PREFIX" }],
              GeneratorId: [{ Value: GENERATOR_PREFIX, Comparison: "PREFIX" }],
              RecordState: [{ Value: "ACTIVE", Comparison: "EQUALS" }],
            },
            MaxResults: 100,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
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
      const batch = findings.slice(i, i + IMPORT_BATCH);
      const out = await call(SERVICE, "BatchImportFindings", () =>
        this.client.send(new BatchImportFindingsCommand({ Findings: batch })),
      );
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
function asFinding(f: AwsSecurityFinding): AsffFinding | null {
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
    Resources: f.Resources as AsffFinding["Resources"],
    ...(f.Compliance?.Status ? { Compliance: f.Compliance as AsffFinding["Compliance"] } : {}),
    ...(f.Workflow?.Status ? { Workflow: { Status: f.Workflow.Status } } : {}),
    RecordState: "ACTIVE",
  };
}
