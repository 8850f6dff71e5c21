import * as z from "zod/mini";
import { apiUrl, tokenSecret } from "../fields";
import type { DestinationKind } from "../kind";
import { anyCase, apiBase, exact, type Place } from "../places";
import { DEFAULT_VARIABLE_NAMES } from "../types";

/** A namespace: a DNS label (RFC 1123), as the API server requires. */
const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A Secret's or a Deployment's name: a DNS subdomain (RFC 1123). */
const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A Secret's data key: letters, digits and `-._`, not `.` or `..`. */
const dataKey = z
  .string()
  .check(
    z.maxLength(253),
    z.regex(/^(?!\.{1,2}$)[-._a-zA-Z0-9]+$/, "must be letters, digits and -._ (a Secret's data key)"),
  );
const objectName = (what: string) =>
  z
    .string()
    .check(
      z.maxLength(253),
      z.regex(subdomain, `must be a ${what} name: lower-case letters, digits, - and . (a DNS subdomain)`),
    );

/** One or more PEM certificates: the authority the API server's certificate is checked against. */
const pemCertificates = z
  .string()
  .check(
    z.maxLength(65_536),
    z.regex(
      /^\s*(-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*)+$/,
      "must be PEM: one or more -----BEGIN CERTIFICATE----- blocks (the cluster's certificate authority)",
    ),
  );

const schema = z.strictObject({
  type: z.literal("kubernetes"),
  /** The cluster's API server, e.g. `https://ABC123.gr7.eu-west-1.eks.amazonaws.com`. */
  apiUrl,
  namespace: z
    .string()
    .check(
      z.maxLength(63),
      z.regex(label, "must be a namespace: lower-case letters, digits and - (a DNS label)"),
    ),
  /** The Secret's name. */
  name: objectName("Secret"),
  /** A service account token of the cluster. */
  tokenSecret,
  /**
   * The cluster's certificate authority (PEM, e.g. EKS's `certificateAuthority.data` decoded). When
   * given, the API server is trusted by it alone; left out, by the roots Node trusts.
   */
  caCertificate: z.optional(pemCertificates),
  names: z.optional(z.strictObject({ accessKeyId: dataKey, secretAccessKey: dataKey })),
  /** A Deployment whose pods are restarted (its pod template annotated) once the Secret holds the new key. */
  restart: z.optional(z.strictObject({ deployment: objectName("Deployment") })),
});

export type KubernetesDestination = z.infer<typeof schema>;

/** Where the Secret is, as keyrotor's messages name it: `ci/aws-credentials at k8s.example.com:6443`. */
export function kubernetesPlace(d: Pick<KubernetesDestination, "apiUrl" | "namespace" | "name">): string {
  return `${d.namespace}/${d.name} at ${hostOf(d.apiUrl)}`;
}

export const hostOf = (url: string) => (URL.canParse(url) ? new URL(url).host : url);

/** A Secret of a namespace of one cluster, optionally a Deployment to restart after it. */
export const kubernetesKind: DestinationKind<KubernetesDestination> = {
  type: "kubernetes",
  schema,
  placeId: (d) => `kubernetes:${apiBase(d.apiUrl)}:${d.namespace}/${d.name}`,
  describe: (d) =>
    `Kubernetes Secret ${kubernetesPlace(d)}${d.restart ? ` (restarting Deployment ${d.restart.deployment})` : ""}`,
  // The schema says all else its fields may get wrong (a data key's case matters: two spellings are two keys).
  problems: (d) =>
    d.caCertificate !== undefined && !d.apiUrl.startsWith("https:")
      ? ["kubernetes: caCertificate goes with an https apiUrl (plain http has no certificate to check)"]
      : [],
  nameFold: "exact",
  places(d): Place[] {
    const names = d.names ?? DEFAULT_VARIABLE_NAMES;
    return (["accessKeyId", "secretAccessKey"] as const).map((half) => ({
      fields: [
        exact("kubernetes"),
        anyCase(apiBase(d.apiUrl)),
        exact(d.namespace),
        exact(d.name),
        exact(names[half]),
      ],
      half,
      label: ([, base, namespace, name, key]) =>
        `Kubernetes Secret ${namespace}/${name} key ${key} at ${base}`,
    }));
  },
};
