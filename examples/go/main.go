// Two Utho API tokens from Go through the `utho` provider plugin: a Read-Only one in the default
// provider's account (utho:apiKey, utho:baseUrl), and a Write-scoped one in a second account
// through an explicit provider instance. The package github.com/utho-cloud/utho-pulumi-tokens/sdk/go/utho
// is generated from the plugin's schema (see README.md); it is not committed.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	"github.com/utho-cloud/utho-pulumi-tokens/sdk/go/utho"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")

		// The default provider's account. Its name is "ciReader-" and a random suffix.
		reader, err := utho.NewApiToken(ctx, "ciReader", &utho.ApiTokenArgs{
			Scope: pulumi.String("read"),
		})
		if err != nil {
			return err
		}

		// A second account: an explicit provider instance with its own key. The key is a secret
		// in the config and stays one among the provider's inputs in the state.
		prodBaseUrl := cfg.Get("prodBaseUrl")
		if prodBaseUrl == "" {
			prodBaseUrl = "https://api.utho.com/v2"
		}
		prod, err := utho.NewProvider(ctx, "prod", &utho.ProviderArgs{
			ApiKey:  cfg.RequireSecret("prodApiKey"),
			BaseUrl: pulumi.String(prodBaseUrl),
		})
		if err != nil {
			return err
		}
		deployer, err := utho.NewApiToken(ctx, "prodDeployer", &utho.ApiTokenArgs{
			Name:  pulumi.String("prod-deployer"),
			Scope: pulumi.String("write"),
		}, pulumi.Provider(prod))
		if err != nil {
			return err
		}

		ctx.Export("readerTokenId", reader.TokenId)
		// Secrets: `pulumi stack output readerToken --show-secrets` prints one for your secret store.
		ctx.Export("readerToken", reader.Token)
		ctx.Export("prodDeployerTokenId", deployer.TokenId)
		ctx.Export("prodAccount", deployer.AccountId)
		ctx.Export("prodDeployerToken", deployer.Token)
		return nil
	})
}
