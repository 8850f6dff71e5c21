import type { NoticeEvent } from "../messages";

/**
 * One thing a notice could say about a user, and how it is kept from being said twice: `matter`
 * names it in the ledger (one per key and kind), `said` fingerprints its words (a change is news
 * again), `repeats` marks what needs a person and is told again after the quiet period; `always`
 * marks an action taken in this run, news by nature.
 */
export interface Statement {
  readonly matter: string;
  readonly said: string;
  readonly event: NoticeEvent;
  readonly repeats?: boolean;
  readonly always?: boolean;
  /** Kept in the ledger but not told (a block's cause, said by the block itself). */
  readonly silent?: boolean;
  /**
   * Told only along with news about the same user that is an occasion for it (`isAdviceOccasion`);
   * until then it is not recorded, so it stays news for the next occasion.
   */
  readonly rider?: boolean;
}

/** Words without what changes on every attempt (request ids, instants): a failure "changes" only when it does. */
export function fingerprint(text: string): string {
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "#")
    .replace(/\d{4}-\d{2}-\d{2}T[\d:.]+Z?/g, "#")
    .slice(0, 300);
}

/**
 * Words from outside keyrotor (a provider's error, an operator's label) made fit for a notice, whose
 * schema refuses control characters: each run of them becomes one space, and the text is bounded.
 */
export function plain(text: string, max = 400): string {
  const line = text.replace(/\p{Cc}+/gu, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
