/** SHA-256 (and HMAC-SHA-256 with a secret) over node:crypto, as the smithy Checksum interface the SDK's SignatureV4 takes. */
import { createHash, createHmac } from "node:crypto";

export class Sha256 {
  private h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = this.make();
  }
  private make() {
    if (this.secret === undefined) return createHash("sha256");
    const key =
      typeof this.secret === "string"
        ? Buffer.from(this.secret, "utf8")
        : ArrayBuffer.isView(this.secret)
          ? Buffer.from(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength)
          : Buffer.from(this.secret);
    return createHmac("sha256", key);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    if (typeof data === "string") this.h.update(data, "utf8");
    else if (ArrayBuffer.isView(data)) this.h.update(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    else this.h.update(Buffer.from(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    this.h = this.make();
  }
}
