/** Compiled patterns: a report over 200,000 users asks the same few patterns again and again. */
const compiled = new Map<string, RegExp>();

/**
 * Whether `value` matches `pattern`, where `*` stands for any run of characters (none included) and
 * everything else is literal: the one pattern language of keyrotor's settings (reader allowlists,
 * delivery bindings).
 */
export function wildcardMatches(pattern: string, value: string): boolean {
  let regex = compiled.get(pattern);
  if (!regex) {
    const source = pattern
      .split("*")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*");
    regex = new RegExp(`^${source}$`);
    if (compiled.size < 1_000) compiled.set(pattern, regex);
  }
  return regex.test(value);
}
