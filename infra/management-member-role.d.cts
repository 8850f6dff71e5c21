import type { Schema } from "js-yaml";

/** Resolves the management account's copy of the member role for serverless.yml's resources. */
declare function managementMemberRole(context: {
  resolveVariable: (variable: string) => Promise<unknown>;
}): Promise<{ Resources?: Record<string, unknown> }>;
declare namespace managementMemberRole {
  /** Binds the member template's parameters to literal values or intrinsic functions. */
  function bind(node: unknown, values: Record<string, unknown>): unknown;
  /** js-yaml schema for the CloudFormation short forms keyrotor's templates use (!Ref, !Sub, !GetAtt, !If...). */
  const schema: Schema;
}
export = managementMemberRole;
