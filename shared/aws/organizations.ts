import {
  DescribeAccountCommand,
  ListParentsCommand,
  OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
} from "@aws-sdk/client-organizations";
import { type ClientOptions, sdkClient } from "./client-config";
import { call } from "./errors";

const SERVICE = "Organizations";

export interface OrgAccount {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED ... (the newer `State`, else the older `Status`). */
  readonly state: string;
}

/** An account's state: the newer `State` field when present, else the older `Status`. */
const stateOf = (a: { State?: string; Status?: string } | undefined) => a?.State ?? a?.Status ?? "UNKNOWN";

/** AWS Organizations, read-only: the accounts and the OU tree. */
export class OrganizationsAdapter {
  constructor(private readonly client: OrganizationsClient) {}

  static create(options?: ClientOptions): OrganizationsAdapter {
    return new OrganizationsAdapter(sdkClient(OrganizationsClient, options));
  }

  listAccounts(): Promise<OrgAccount[]> {
    return call(SERVICE, "ListAccounts", async () => {
      const accounts: OrgAccount[] = [];
      for await (const page of paginateListAccounts({ client: this.client }, {})) {
        for (const a of page.Accounts ?? []) {
          if (!a.Id) continue;
          accounts.push({ id: a.Id, name: a.Name ?? a.Id, email: a.Email ?? "", state: stateOf(a) });
        }
      }
      return accounts;
    });
  }

  describeAccount(accountId: string): Promise<OrgAccount> {
    return call(SERVICE, "DescribeAccount", async () => {
      const a = (await this.client.send(new DescribeAccountCommand({ AccountId: accountId }))).Account;
      return { id: accountId, name: a?.Name ?? accountId, email: a?.Email ?? "", state: stateOf(a) };
    });
  }

  /** The OUs above an account, nearest first, up to (not including) the root: at most five levels. */
  ancestorsOf(accountId: string): Promise<string[]> {
    return call(SERVICE, "ListParents", async () => {
      const ous: string[] = [];
      let child = accountId;
      for (let depth = 0; depth < 8; depth++) {
        const parent = (await this.client.send(new ListParentsCommand({ ChildId: child }))).Parents?.[0];
        if (!parent?.Id || parent.Type !== "ORGANIZATIONAL_UNIT") break;
        ous.push(parent.Id);
        child = parent.Id;
      }
      return ous;
    });
  }

  /** Ids of every account under `ouId`, nested OUs included. */
  async listAccountIdsUnder(ouId: string): Promise<Set<string>> {
    return new Set((await this.accountDepthsUnder(ouId)).keys());
  }

  /**
   * Every account under `ouId`, nested OUs included, with how deep under it each is (1: directly in
   * it). Walked down from the OU with the calls the scope's OU lists already make, so an account's
   * nearest named OU is known without a `ListParents` per account.
   */
  accountDepthsUnder(ouId: string): Promise<Map<string, number>> {
    return call(SERVICE, "ListAccountsForParent", async () => {
      const depths = new Map<string, number>();
      const pending: [string, number][] = [[ouId, 1]];
      for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
        const [parent, depth] = next;
        for await (const page of paginateListAccountsForParent(
          { client: this.client },
          { ParentId: parent },
        )) {
          for (const a of page.Accounts ?? []) if (a.Id && !depths.has(a.Id)) depths.set(a.Id, depth);
        }
        const children = paginateListOrganizationalUnitsForParent(
          { client: this.client },
          { ParentId: parent },
        );
        for await (const page of children) {
          for (const ou of page.OrganizationalUnits ?? []) if (ou.Id) pending.push([ou.Id, depth + 1]);
        }
      }
      return depths;
    });
  }
}
