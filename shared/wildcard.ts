/**
 * Whether `value` matches `pattern`, where `*` stands for any run of characters (none included) and
 * everything else is literal: the one pattern language of keyrotor's settings (reader allowlists,
 * delivery bindings).
 */
export function wildcardMatches(pattern: string, value: string): boolean {
  const regex = pattern
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${regex}$`).test(value);
}
