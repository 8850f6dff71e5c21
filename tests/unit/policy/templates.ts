import { readFileSync } from "node:fs";
import yaml from "js-yaml";
import managementMemberRole from "../../../infra/management-member-role.cjs";
import { parseConfig } from "../../../shared/config";
import { busPolicyResource } from "../../../shared/events/config";

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is read structurally here.
export type Json = any;

/** What a template's intrinsic functions resolve to in one simulated account. */
export interface Stack {
  readonly partition?: string;
  readonly accountId: string;
  readonly region?: string;
  /** Template parameters (member template) by name. */
  readonly parameters?: Record<string, string>;
  /** `Fn::GetAtt` results, keyed `Resource.Attribute`. */
  readonly attributes?: Record<string, string>;
}

/** Resolves the intrinsic functions keyrotor's templates use to plain values, as CloudFormation would. */
export function evaluate(node: Json, stack: Stack): Json {
  const pseudo: Record<string, string> = {
    "AWS::Partition": stack.partition ?? "aws",
    "AWS::AccountId": stack.accountId,
    "AWS::Region": stack.region ?? "us-east-1",
  };
  const ref = (name: string): string => {
    const value = pseudo[name] ?? stack.parameters?.[name] ?? stack.attributes?.[`${name}.Ref`];
    if (value === undefined) throw new Error(`no value for Ref ${name}`);
    return value;
  };
  const go = (n: Json): Json => {
    if (Array.isArray(n)) return n.map(go);
    if (n === null || typeof n !== "object") return n;
    const [key] = Object.keys(n);
    const arg = key === undefined ? undefined : n[key];
    switch (key) {
      case "Ref":
        return ref(arg);
      case "Fn::GetAtt": {
        const name = [arg].flat().join(".");
        const value = stack.attributes?.[name];
        if (value === undefined) throw new Error(`no value for GetAtt ${name}`);
        return value;
      }
      case "Fn::Sub": {
        const [text, locals] = Array.isArray(arg) ? [arg[0], go(arg[1])] : [arg, {}];
        return (text as string).replace(/\$\{([\w:.]+)\}/g, (_, name: string) =>
          name in locals ? locals[name] : name.includes(".") ? go({ "Fn::GetAtt": name }) : ref(name),
        );
      }
      case "Fn::Select":
        return go(arg[1])[go(arg[0])];
      case "Fn::Split":
        return String(go(arg[1])).split(arg[0]);
      case "Fn::Join":
        return go(arg[1]).join(arg[0]);
      case "Fn::Equals":
        return go(arg[0]) === go(arg[1]);
      case "Fn::Not":
        return !go(arg[0]);
      case "Fn::And":
        return arg.every((c: Json) => go(c));
      default:
        return Object.fromEntries(Object.entries(n).map(([k, v]) => [k, go(v)]));
    }
  };
  return go(node);
}

const { schema } = managementMemberRole;

/** infra/member-role.yml as CloudFormation reads it (short forms expanded), not yet resolved. */
export const memberTemplate: Json = yaml.load(readFileSync("infra/member-role.yml", "utf8"), { schema });

/**
 * The member template's resources as they are created in `stack` (conditions applied). Unless told,
 * keyrotor runs in the stack's region, as for the StackSet's stack that creates the roles.
 */
export function memberStack(stack: Stack): Record<string, Json> {
  const given: Record<string, string> = { KeyrotorRegion: stack.region ?? "us-east-1", ...stack.parameters };
  const parameters = Object.fromEntries(
    Object.entries(memberTemplate.Parameters as Record<string, Json>).map(([name, p]) => [
      name,
      given[name] ?? p.Default,
    ]),
  );
  const full = { ...stack, parameters };
  const conditions = Object.fromEntries(
    Object.entries((memberTemplate.Conditions ?? {}) as Record<string, Json>).map(([name, c]) => [
      name,
      evaluate(c, full),
    ]),
  );
  const resources: Record<string, Json> = {};
  for (const [name, resource] of Object.entries(memberTemplate.Resources as Record<string, Json>)) {
    if (resource.Condition && !conditions[resource.Condition]) continue;
    resources[name] = {
      ...resource,
      Properties: evaluate(resource.Properties, {
        ...full,
        attributes: { ...full.attributes, ...gettableArns(resources, full) },
      }),
    };
  }
  return resources;
}

function gettableArns(resources: Record<string, Json>, stack: Stack): Record<string, string> {
  const arns: Record<string, string> = {};
  for (const [name, r] of Object.entries(resources)) {
    if (r.Type === "AWS::IAM::Role") {
      arns[`${name}.Arn`] =
        `arn:${stack.partition ?? "aws"}:iam::${stack.accountId}:role/${r.Properties.RoleName ?? `${name}-GENERATED`}`;
    }
  }
  return arns;
}

/** serverless.yml's `params.default`. */
const serverlessText = readFileSync("serverless.yml", "utf8");
export const defaultParams: Record<string, unknown> = (
  yaml.load(serverlessText.replace(/\$\{[^}]*\}/g, "x"), { schema }) as Json
).params.default;

const SETTING = "self:custom.keyrotor.settings.";

/**
 * A setting as serverless.yml's `custom.keyrotor.settings` gives it (infra/deployed-config.cjs): the
 * param given, else the schema's default (`""` for none).
 */
function settingValue(params: Record<string, string>, name: string): unknown {
  if (params[name] !== undefined) return params[name];
  const defaults = parseConfig({ senderEmail: "keyrotor@example.com" }) as Record<string, unknown>;
  if (name === "lifecycleEventsBusResource") {
    return busPolicyResource(params.lifecycleEventsBus ?? (defaults.lifecycleEvents as { bus: string }).bus);
  }
  return defaults[name] ?? "";
}

/**
 * serverless.yml's inline resources with the framework's own variables replaced as `sls package` would
 * (`${self:service}`, `${sls:stage}`, `${aws:region}`, `${param:...}` from `params`, then the defaults).
 */
export function serverlessResources(
  params: Record<string, string>,
  stage = "prod",
  region = "us-east-1",
): Record<string, Json> {
  const value = (name: string): string => {
    const v = params[name] ?? defaultParams[name];
    if (v === undefined) throw new Error(`param ${name} has no value`);
    return String(v);
  };
  const resolved = (variable: string): string =>
    variable.startsWith(SETTING)
      ? String(settingValue(params, variable.slice(SETTING.length)))
      : value(variable.replace(/^param:/, ""));
  const text = serverlessText.replace(
    /\$\{(self|sls|aws|param):([^},]+)(?:, *((?:param|self):[^}]+))?\}/g,
    (_, source, name, fallback) => {
      if (source === "self" && name === "service") return "keyrotor";
      if (source === "self" && name === "custom.keyrotor.define") return "{}";
      if (source === "self" && name.startsWith("custom.keyrotor.settings.")) return resolved(`self:${name}`);
      if (source === "sls" && name === "stage") return stage;
      if (source === "aws" && name === "region") return region;
      if (source === "param") return params[name] ?? (fallback ? resolved(fallback) : value(name));
      throw new Error(`unexpected variable ${source}:${name}`);
    },
  );
  const parsed = yaml.load(text.replace(/\$\{file\([^)]*\)\}/g, "file"), { schema }) as Json;
  const inline = (parsed.resources as Json[]).find((r) => typeof r === "object" && r.Resources);
  return inline.Resources;
}

/** The id KMS gives a key serverless.yml declares (the same for each: there is one). */
const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";

/**
 * The ARNs and names `Fn::GetAtt`/`Ref` give for serverless.yml's resources in one account (a bucket
 * without a name gets one made up as CloudFormation makes them: stack, resource, random suffix).
 */
export function managementAttributes(
  resources: Record<string, Json>,
  accountId: string,
  region = "us-east-1",
): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    if (r.Type === "AWS::IAM::Role")
      attributes[`${name}.Arn`] = `arn:aws:iam::${accountId}:role/${p.RoleName}`;
    if (r.Type === "AWS::SQS::Queue") {
      attributes[`${name}.Arn`] = `arn:aws:sqs:${region}:${accountId}:${p.QueueName}`;
      attributes[`${name}.QueueName`] = p.QueueName;
      attributes[`${name}.Ref`] = `https://sqs.${region}.amazonaws.com/${accountId}/${p.QueueName}`;
    }
    if (r.Type === "AWS::DynamoDB::Table") {
      attributes[`${name}.Arn`] = `arn:aws:dynamodb:${region}:${accountId}:table/${p.TableName}`;
    }
    if (r.Type === "AWS::S3::Bucket") {
      const bucket = `keyrotor-${name.toLowerCase()}-1a2b3c4d5e6f`;
      attributes[`${name}.Ref`] = bucket;
      attributes[`${name}.Arn`] = `arn:aws:s3:::${bucket}`;
    }
    if (r.Type === "AWS::KMS::Key") {
      attributes[`${name}.Ref`] = KEY_ID;
      attributes[`${name}.Arn`] = `arn:aws:kms:${region}:${accountId}:key/${KEY_ID}`;
    }
  }
  return attributes;
}

/** An IAM role's inline policies, as the simulator takes identity policies. */
export function identityOf(role: Json): { name: string; policy: Json }[] {
  return (role.Properties.Policies ?? []).map((p: Json) => ({
    name: p.PolicyName,
    policy: p.PolicyDocument,
  }));
}

/** Calls an infra/*.cjs resolver as osls does, with `params` over serverless.yml's defaults. */
export function resolverOf(params: Record<string, string>, stage = "prod", region = "us-east-1") {
  return {
    resolveVariable: async (variable: string): Promise<unknown> => {
      if (variable === "self:service") return "keyrotor";
      if (variable === "sls:stage") return stage;
      if (variable === "aws:region") return region;
      if (variable.startsWith(SETTING)) return settingValue(params, variable.slice(SETTING.length));
      const name = variable.replace(/^param:/, "");
      const value = params[name] ?? defaultParams[name];
      if (value === undefined) throw new Error(`param ${name} has no value`);
      return value;
    },
  };
}

/** One of keyrotor's execution roles: its ARN and its policies, as the simulator takes them. */
export interface LambdaRole {
  readonly arn: string;
  readonly identity: { name: string; policy: Json }[];
}

/** keyrotor's execution roles (RotatorRole, ReporterRole, ...) as serverless.yml declares them in `accountId`. */
export function lambdaRoles(params: Record<string, string>, accountId: string): Record<string, LambdaRole> {
  const resources = serverlessResources(params);
  const attributes = managementAttributes(resources, accountId);
  const roles: Record<string, LambdaRole> = {};
  for (const [name, r] of Object.entries(resources)) {
    if (r.Type !== "AWS::IAM::Role" || !name.endsWith("Role")) continue;
    roles[name] = {
      arn: attributes[`${name}.Arn`] as string,
      identity: identityOf(evaluate(r, { accountId, attributes })),
    };
  }
  return roles;
}
