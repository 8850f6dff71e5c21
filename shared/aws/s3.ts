import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type ClientOptions, sdkClient } from "./client-config";
import { call } from "./errors";

const SERVICE = "S3";

/** One object to store: its text and what a browser should take it for. */
export interface StoredObject {
  readonly key: string;
  readonly body: string;
  /** `text/html; charset=utf-8` for a report. */
  readonly contentType: string;
}

/**
 * Amazon S3, write-only: keyrotor puts its reports into the stack's own bucket and never reads one
 * back (people open them from the console link the digest carries).
 */
export class S3Adapter {
  constructor(private readonly client: S3Client) {}

  static create(options?: ClientOptions): S3Adapter {
    return new S3Adapter(sdkClient(S3Client, options));
  }

  /**
   * Puts an object, private (no ACL: the bucket enforces its owner's) and encrypted with S3's own keys
   * even if the bucket's default encryption were removed. Never cached by a browser or a proxy.
   * @returns the object's key.
   */
  putObject(bucket: string, object: StoredObject): Promise<string> {
    return call(SERVICE, "PutObject", async () => {
      await this.client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: object.key,
          Body: object.body,
          ContentType: object.contentType,
          CacheControl: "no-store",
          ServerSideEncryption: "AES256",
        }),
      );
      return object.key;
    });
  }
}
