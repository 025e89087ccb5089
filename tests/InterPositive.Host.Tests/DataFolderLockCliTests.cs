using System.Net;
using System.Text.Json;
using InterPositive.Host.Api;
using InterPositive.Testing;
using InterPositive.Testing.Brokers;
using InterPositive.Testing.Cards;

namespace InterPositive.Host.Tests;

/// <summary>
/// The built executable, twice on one data folder: <c>serve</c> holds it, so a CLI verb that would write exits 4 and
/// says how to go through the service; once the service has stopped the same verbs work. And the first-start tokens:
/// in a 0600 file, not on a stdout that is not a terminal (the journal under systemd).
/// </summary>
[Trait("Category", "Integration")]
public sealed class DataFolderLockCliTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task While_serve_holds_the_data_folder_writing_verbs_exit_4_and_afterwards_they_work()
    {
        using var folder = new TempFolder("ip-lock");
        var data = folder.Combine("data");
        var cards = Directory.CreateDirectory(folder.Combine("cards")).FullName;
        var destination = Directory.CreateDirectory(folder.Combine("raid")).FullName;
        var httpPort = LoopbackPort.Free();
        var config = folder.Combine("interpositive.json");
        await File.WriteAllTextAsync(config, ServeChildProcessTests.Config(cards, [destination], LoopbackPort.Free(), httpPort));
        var card = SyntheticCard.Typical(folder.Combine("A003R1AB"), clips: 1, smallFiles: 1).Root;

        using (var child = ServeChild.Start(data, config))
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
            using (var ready = new CancellationTokenSource(Bound))
            {
                await child.WaitReadyAsync(http, ready.Token);
            }

            // Tokens: in the 0600 file, never on the redirected stdout.
            var operatorToken = child.Announced("operator token:");
            Assert.DoesNotContain(operatorToken, child.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(operatorToken, child.Stderr, StringComparison.Ordinal);
            Assert.Contains("first-start-tokens.txt", child.Stdout, StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, ApiTokenStore.FirstStartFileName)));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "interpositive.db")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));

            // The probe: offload into the served folder. Before: exit 0 and, after a restart, the card was gone.
            var offload = await SyncCli.RunAsync(data, Bound, "offload", card, "--dest", destination, "--json");
            Assert.True(offload.Code == 4, $"offload beside serve exited {offload.Code}: {offload.Stderr}");
            var line = Assert.Single(offload.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("error:", StringComparison.Ordinal));
            Assert.Contains(data, line, StringComparison.Ordinal);
            Assert.Contains("the interpositive service", line, StringComparison.Ordinal);
            Assert.Contains("/api/v1", line, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(destination, "A003R1AB")), "the refused offload copied anyway");
            using (var json = JsonDocument.Parse(offload.Stdout))
            {
                Assert.Equal(4, json.RootElement.GetProperty("exitCode").GetInt32());
            }

            Assert.Equal(4, (await SyncCli.RunAsync(data, Bound, "tokens", "create", "--role", "operator")).Code);
            var sync = await SyncCli.RunAsync(data, Bound, "sync", "--broker", "mqtt://127.0.0.1:1", "--once");
            Assert.Equal(4, sync.Code);
            Assert.Contains("the data folder is in use by the interpositive service", sync.Stderr, StringComparison.Ordinal);

            // Reading the tokens needs no lock.
            var list = await SyncCli.RunAsync(data, Bound, "tokens", "list", "--json");
            Assert.Equal(0, list.Code);
            Assert.DoesNotContain(operatorToken, list.Stdout, StringComparison.Ordinal);

            // Through the service instead: the API takes the card.
            using var start = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/offload/jobs", UriKind.Relative)) { Content = System.Net.Http.Json.JsonContent.Create(new { source = card }) };
            start.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", operatorToken);
            using (var accepted = await http.SendAsync(start))
            {
                Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            }

            Assert.Equal(0, await child.TerminateAsync(TimeSpan.FromSeconds(30)));
        }

        var created = await SyncCli.RunAsync(data, Bound, "tokens", "create", "--role", "read-only", "--name", "script", "--json");
        Assert.True(created.Code == 0, created.Stderr);
        using var token = JsonDocument.Parse(created.Stdout);
        var id = token.RootElement.GetProperty("token").GetProperty("id").GetString()!;
        var secret = token.RootElement.GetProperty("secret").GetString()!;
        Assert.DoesNotContain(secret, await File.ReadAllTextAsync(ApiTokenStore.PathIn(data)), StringComparison.Ordinal);
        Assert.Equal(0, (await SyncCli.RunAsync(data, Bound, "tokens", "revoke", id, "--json")).Code);
        var unknown = await SyncCli.RunAsync(data, Bound, "tokens", "revoke", id, "--json");
        Assert.Equal(1, unknown.Code);
        Assert.Equal(2, (await SyncCli.RunAsync(data, Bound, "tokens", "create", "--role", "admin")).Code);
        Directory.CreateDirectory(folder.Combine("raid2"));
        var after = await SyncCli.RunAsync(data, Bound, "offload", card, "--dest", folder.Combine("raid2"), "--json");
        Assert.True(after.Code == 0, after.Stderr);
    }
}
