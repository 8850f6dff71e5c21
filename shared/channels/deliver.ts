import type { Notice } from "../messages";
import type { Redacted } from "../redacted";
import type { Channel } from "./config";
import {
  type ChannelPostDeps,
  ChannelPostError,
  ChannelRefusedError,
  parseChannelSecret,
  postToChannel,
} from "./post";
import { itemsFor } from "./routes";

/** Where a channel's secret is read: Secrets Manager in keyrotor's own account. */
export interface ChannelSecrets {
  readSecretValue(name: string): Promise<Redacted<string>>;
}

export interface ChannelPorts extends ChannelPostDeps {
  readonly secrets: ChannelSecrets;
}

/** How a channel's post is named among a notice's deliveries in the outbox (beside its emails' ids). */
export const channelDeliveryId = (channel: Channel) => `channel:${channel.name}`;
/** How a channel that refused a notice for good is recorded: not posted, and not tried again for it. */
export const channelRefusedId = (channel: Channel) => `channel:${channel.name}:refused`;

/**
 * Tells each channel whose routes take something of `notice`, once: a channel already in `delivered`
 * is skipped, and each one posted is recorded through `onDelivered` before the next. Every channel is
 * tried even when one fails; then the first failure is thrown, so the notice is retried as an email
 * that SES refused would be, and only the channels not yet told are posted again. A channel that
 * refused for good (`ChannelRefusedError`) is recorded as such and returned in `refused`: it is not
 * posted again for this notice, and does not fail it.
 * @throws ChannelPostError naming the channel that failed.
 */
export async function postChannels(
  ports: ChannelPorts,
  channels: readonly Channel[],
  notice: Notice,
  progress: { delivered?: readonly string[]; onDelivered?: (id: string) => Promise<void> } = {},
  ancestors: readonly string[] = [],
): Promise<{ posted: string[]; refused: string[] }> {
  const posted: string[] = [];
  const refused: string[] = [];
  const failures: ChannelPostError[] = [];
  for (const channel of channels) {
    const id = channelDeliveryId(channel);
    if (progress.delivered?.includes(id) || progress.delivered?.includes(channelRefusedId(channel))) continue;
    const items = itemsFor(channel, notice, ancestors);
    if (items.length === 0) continue;
    try {
      const value = await ports.secrets.readSecretValue(channel.secret).catch((error: unknown) => {
        throw new ChannelPostError(
          `channel ${channel.name}: the secret ${channel.secret} could not be read`,
          undefined,
          {
            cause: error,
          },
        );
      });
      const secret = parseChannelSecret(channel, value, ports.allowLoopbackHttp);
      await postToChannel(ports, channel, secret, notice, items);
      await progress.onDelivered?.(id);
      posted.push(channel.name);
    } catch (error) {
      if (error instanceof ChannelRefusedError) {
        await progress.onDelivered?.(channelRefusedId(channel));
        refused.push(error.message);
        continue;
      }
      failures.push(
        error instanceof ChannelPostError
          ? error
          : new ChannelPostError(`channel ${channel.name} failed`, undefined, { cause: error }),
      );
    }
  }
  const [first] = failures;
  if (first) {
    const names = failures.length > 1 ? ` (and ${failures.length - 1} more channel(s))` : "";
    throw new ChannelPostError(`${first.message}${names}`, first.retryAfterSeconds, { cause: first });
  }
  return { posted, refused };
}
