import type { Log } from "../log";
import type { AccountReport } from "../rotation/report";
import type { LifecycleEventsConfig } from "./config";
import { eventsOf } from "./events-of";
import { type EventsPort, publishEvents } from "./publish";
import type { PublishSummary } from "./types";

/**
 * After an account's run: its lifecycle events, when `lifecycleEvents` is on and a publisher is wired.
 * `undefined`: nothing was to be put. Never throws (`publishEvents`).
 */
export async function emitAccountEvents(
  ports: { readonly events?: EventsPort | undefined; readonly log: Log },
  settings: { readonly lifecycleEvents?: LifecycleEventsConfig | undefined; readonly verifyNewKeys: boolean },
  report: AccountReport,
  verifierWired: boolean,
): Promise<PublishSummary | undefined> {
  const config = settings.lifecycleEvents;
  if (!ports.events || !config?.enabled) return undefined;
  const events = eventsOf(report, { verifiesNewKeys: settings.verifyNewKeys && verifierWired });
  return publishEvents({ events: ports.events, log: ports.log }, config.bus, events);
}
