import type { Binding, Destination } from "../schema";
import { type SmtpDelivery, smtpDelivery, smtpNames } from "./binding";
import { isSmtpRegion } from "./derive";

/** One destination as its binding writes it: with `smtp`, once per Region under that Region's names. */
export interface WrittenDestination {
  /** Its place in the binding's `destinations`. */
  readonly index: number;
  readonly destination: Destination;
  /** The Region whose SMTP credentials it gets instead of the key, when the binding says `smtp`. */
  readonly smtp?: SmtpDelivery;
}

/**
 * The destinations a binding writes. A binding with `smtp` writes each destination once per Region,
 * its names the Region's SMTP names, so that identity, places and collisions see what is written; a
 * secrets-manager destination of such a binding is not written at all (the configuration refuses it).
 */
export function writtenDestinations(b: Binding): WrittenDestination[] {
  const { smtp } = b;
  if (!smtp) return b.destinations.map((destination, index) => ({ destination, index }));
  return b.destinations.flatMap((d, index) => {
    if (d.type === "secrets-manager") return [];
    return smtp.regions.filter(isSmtpRegion).map((region) => ({
      index,
      destination: { ...d, names: smtpNames(smtp, region) },
      smtp: smtpDelivery(smtp, region),
    }));
  });
}
