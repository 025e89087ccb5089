using System.CommandLine;
using System.Globalization;
using System.Text.Json.Serialization;
using InterPositive.Catalog;
using InterPositive.Host.Api;
using InterPositive.Host.Cli;

namespace InterPositive.Host.Verbs;

/// <summary>
/// <c>interpositive tokens list|create|revoke</c>: the API tokens in DATA/api-tokens.json (hashes only). Creating and
/// revoking take the data folder's lock, so they exit 4 while the service runs: it keeps the tokens in memory, and the
/// same changes go through its API then (<c>/api/v1/tokens</c>, operator token).
/// </summary>
internal static class TokensVerb
{
    public static Command Create()
    {
        var tokens = new Command("tokens", "List, create and revoke API tokens (only their SHA-256 hashes are stored, in DATA/api-tokens.json).");
        tokens.Subcommands.Add(List());
        tokens.Subcommands.Add(CreateToken());
        tokens.Subcommands.Add(Revoke());
        return tokens;
    }

    private static Command List() => Verb.Define(
        "list",
        "List tokens, dashboard sessions and unused sign-in codes: id, kind, role, name, expiry (never a secret).",
        configure: _ => { },
        run: ctx =>
        {
            var listed = ApiTokenStore.List(ctx.DataDirectory, ctx.Time);
            if (ctx.Json)
            {
                ctx.WriteJson(new TokenList(listed), TokensJsonContext.Default.TokenList);
            }
            else
            {
                foreach (var token in listed)
                {
                    var expires = token.ExpiresAt is { } at ? " expires " + at.ToString("u", CultureInfo.InvariantCulture) : "";
                    var parent = token.Parent is null ? "" : $" of {token.Parent}";
                    ctx.WriteLine($"{token.Id}  {token.Kind,-7} {token.Role,-9} {token.Name}{parent}{expires}");
                }
            }

            return Task.FromResult(ExitCode.Success);
        },
        logName: "tokens");

    private static Command CreateToken()
    {
        var role = new Option<string>("--role") { Description = "operator (may change things) or read-only.", Required = true };
        role.AcceptOnlyFromAmong(ApiRoles.Operator, ApiRoles.ReadOnly);
        var name = new Option<string?>("--name") { Description = "What the token is for (the tablet, the post-house script)." };
        var signIn = new Option<bool>("--signin") { Description = "Also make a one-time dashboard sign-in code for the token." };
        return Verb.Define(
            "create",
            "Make a token; its secret is printed once, here, and only its hash is stored.",
            configure: cmd =>
            {
                cmd.Options.Add(role);
                cmd.Options.Add(name);
                cmd.Options.Add(signIn);
            },
            run: ctx => Change(ctx, store =>
            {
                var created = store.Create(ctx.Value(role)!, ctx.Value(name), ctx.Value(signIn));
                if (ctx.Json)
                {
                    ctx.WriteJson(created, TokensJsonContext.Default.CreatedToken);
                }
                else
                {
                    ctx.WriteLine($"{created.Token.Role} token {created.Token.Id}: {created.Secret}");
                    if (created.SignInCode is not null)
                    {
                        ctx.WriteLine($"dashboard sign-in (one time): /#signin={created.SignInCode}");
                    }
                }

                return ExitCode.Success;
            }),
            logName: "tokens");
    }

    private static Command Revoke()
    {
        var id = new Argument<string>("ID") { Description = "The token's id (tokens list); its sessions and sign-in codes go with it." };
        return Verb.Define(
            "revoke",
            "Revoke a token with its dashboard sessions and sign-in codes, or a single session; exit 1 when no token has that id.",
            configure: cmd => cmd.Arguments.Add(id),
            run: ctx => Change(ctx, store =>
            {
                var removed = store.Revoke(ctx.Value(id)!);
                if (removed.Count == 0)
                {
                    return ctx.Fail(ExitCode.CheckFailed, $"{ApiTokenStore.PathIn(ctx.DataDirectory)}: no token {ctx.Value(id)}");
                }

                if (ctx.Json)
                {
                    ctx.WriteJson(new TokenList(removed), TokensJsonContext.Default.TokenList);
                }
                else
                {
                    foreach (var token in removed)
                    {
                        ctx.WriteLine($"revoked {token.Kind} {token.Id} ({token.Role})");
                    }
                }

                return ExitCode.Success;
            }),
            logName: "tokens");
    }

    /// <summary>Changes tokens under the data folder's lock (the catalog's): refused with exit 4 while the service holds it.</summary>
    private static Task<int> Change(VerbContext ctx, Func<ApiTokenStore, int> change)
    {
        using var held = CatalogLock.Acquire(ctx.CatalogPath, "interpositive tokens");
        var store = ApiTokenStore.LoadOrCreate(ctx.DataDirectory, ctx.Time, TimeSpan.FromHours(12), out var issued);
        if (issued is not null)
        {
            // No token file yet: the first-start tokens were just made; they go where the service's would.
            var file = ApiTokenStore.WriteFirstStartFile(ctx.DataDirectory, issued, "http://127.0.0.1:8080");
            ctx.Log.Information("No tokens yet: made the first-start ones in {File}", file);
        }

        return Task.FromResult(change(store));
    }
}

public sealed record TokenList(IReadOnlyList<TokenInfo> Items);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TokenList))]
[JsonSerializable(typeof(CreatedToken))]
internal sealed partial class TokensJsonContext : JsonSerializerContext;
