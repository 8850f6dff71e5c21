import type { DestinationKind } from "../kind";
import { azureDevOpsKind } from "./azure-devops";
import { bitbucketKind } from "./bitbucket";
import { circleciKind } from "./circleci";
import { githubKind } from "./github";
import { gitlabKind } from "./gitlab";
import { kubernetesKind } from "./kubernetes";
import { secretsManagerKind } from "./secrets-manager";
import { ssmKind } from "./ssm";
import { terraformCloudKind } from "./terraform-cloud";
import { vaultKind } from "./vault";
import { webhookKind } from "./webhook";

/** Every kind of destination keyrotor writes; a new kind is added here and nowhere else. */
export const KINDS = [
  githubKind,
  gitlabKind,
  circleciKind,
  terraformCloudKind,
  ssmKind,
  secretsManagerKind,
  kubernetesKind,
  vaultKind,
  bitbucketKind,
  azureDevOpsKind,
  webhookKind,
] as const;

type DestinationOf<K> = K extends DestinationKind<infer D> ? D : never;

/** A destination as the configuration declares it, of any kind. */
export type Destination = DestinationOf<(typeof KINDS)[number]>;

const byType = new Map<string, DestinationKind<Destination>>(
  KINDS.map((k) => [k.type, k as unknown as DestinationKind<Destination>]),
);

/** The kind of a destination the schema accepted. */
export function kindOf<D extends Destination>(d: D): DestinationKind<D> {
  const kind = byType.get(d.type);
  if (!kind) throw new Error(`no destination kind ${d.type}`);
  return kind as unknown as DestinationKind<D>;
}
