import type { z } from "zod";
import { accountInfoSchema } from "../schemas";
import { send, type TransportSettings } from "../transport";

export type AccountInfo = z.output<typeof accountInfoSchema>["user"];

/** `client.account`: who the API key belongs to. Any valid key may call it. */
export class Account {
  constructor(private readonly settings: () => TransportSettings) {}

  async info(): Promise<AccountInfo> {
    const body = await send(this.settings(), "GET", "account/info", accountInfoSchema);
    return body.user;
  }
}
