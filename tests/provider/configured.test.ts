/** The configured provider owns its contexts' clients: closing it closes every one of them. */
import { ConfiguredProvider } from "../../provider/configured";
import { useEmulator } from "../support/emulator";

const emulator = useEmulator();

it("close() closes the client of every context, and their later requests are refused", async () => {
  const { rootKey, baseUrl } = emulator.current;
  const provider = new ConfiguredProvider({ apiKey: rootKey, baseUrl });
  const own = provider.contextFor();
  const { secret } = emulator.current.createTokenOutOfBand("other-account-key", "write");
  const other = provider.contextFor({ apiKey: secret });
  await Promise.all([own.accountId(), other.accountId()]);
  await provider.close();
  expect([own.client.closed, other.client.closed]).toEqual([true, true]);
  await expect(own.client.apiTokens.list()).rejects.toMatchObject({ code: "UTHO_CLOSED" });
});
