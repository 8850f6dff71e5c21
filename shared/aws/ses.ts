import { SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { type ClientOptions, clientConfig } from "./client-config";
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
  constructor(private readonly client: SESClient) {}

  static create(options?: ClientOptions): SesAdapter {
    return new SesAdapter(new SESClient(clientConfig(options)));
  }

  /** @returns the SES message id. */
  sendEmail(email: Email): Promise<string> {
    return call(SERVICE, "SendEmail", async () => {
      const out = await this.client.send(
        new SendEmailCommand({
          Source: email.from,
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
