import { SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { type ClientOptions, sdkClient } from "./client-config";
import { call } from "./errors";

const SERVICE = "SES";

export interface Email {
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export class SesAdapter {
  /**
   * @param configurationSet the SES configuration set every email is sent through (its bounce and
   *   complaint events reach the alarm topic); none when `undefined`.
   */
  constructor(
    private readonly client: SESClient,
    private readonly configurationSet?: string,
  ) {}

  static create(options?: ClientOptions, configurationSet?: string): SesAdapter {
    return new SesAdapter(sdkClient(SESClient, options), configurationSet);
  }

  /** @returns the SES message id. */
  sendEmail(email: Email): Promise<string> {
    return call(SERVICE, "SendEmail", async () => {
      const out = await this.client.send(
        new SendEmailCommand({
          Source: email.from,
          ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
          Destination: {
            ToAddresses: [...email.to],
            CcAddresses: [...email.cc],
            BccAddresses: [...email.bcc],
          },
          Message: {
            Subject: { Data: email.subject, Charset: "UTF-8" },
            Body: {
              Text: { Data: email.text, Charset: "UTF-8" },
              Html: { Data: email.html, Charset: "UTF-8" },
            },
          },
        }),
      );
      return out.MessageId ?? "";
    });
  }
}
