using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Post;
using InterPositive.Testing;
using InterPositive.Testing.Brokers;
using InterPositive.Testing.Cards;
using InterPositive.Testing.Media;
using Serilog;

namespace InterPositive.Host.Tests;

/// <summary>
/// The built <c>interpositive serve</c> as a child process, configured as on the cart: a card dropped into its watched
/// folder ends verified on both destinations and as shots at a post receiver on its broker; SIGTERM stops it cleanly.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ServeChildProcessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_card_dropped_into_the_served_appliance_ends_verified_and_at_post_and_SIGTERM_stops_it_cleanly()
    {
        using var folder = new TempFolder();
        var cards = Directory.CreateDirectory(folder.Combine("cards")).FullName;
        var shuttle = Directory.CreateDirectory(folder.Combine("shuttle")).FullName;
        var raid = Directory.CreateDirectory(folder.Combine("raid")).FullName;
        var brokerPort = LoopbackPort.Free();
        var httpPort = LoopbackPort.Free();
        var config = folder.Combine("interpositive.json");
        await File.WriteAllTextAsync(config, Config(cards, [shuttle, raid], brokerPort, httpPort));

        using var child = ServeChild.Start(folder.Combine("data"), config);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        await using var store = LiteDbPostStore.Open(folder.Combine("post.db"));
        using var stop = new CancellationTokenSource(Bound);
        Task? receiving = null;
        try
        {
            await child.WaitReadyAsync(http, stop.Token);
            var operatorToken = child.Announced("operator token:");

            using var log = new LoggerConfiguration().CreateLogger();
            await using var receiver = new PostReceiver(store, new PostReceiverOptions { Broker = BrokerEndpoint.Parse($"mqtt://127.0.0.1:{brokerPort}"), Production = "childtest", ClientId = "post-child" }, TimeProvider.System, log);
            receiving = receiver.RunAsync(stop.Token);
            await receiver.Subscribed.WaitAsync(stop.Token);

            var staging = folder.Combine("staging", "A002R2EC");
            var clips = CardBuilder.ArriMov(staging, clips: 2);
            Directory.Move(staging, Path.Combine(cards, "A002R2EC"));

            JsonElement card = default;
            while (true)
            {
                Assert.False(child.Process.HasExited, "serve exited: " + child.Stderr);
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/cards", UriKind.Relative));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", operatorToken);
                using var response = await http.SendAsync(request, stop.Token);
                response.EnsureSuccessStatusCode();
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(stop.Token));
                var items = json.RootElement.GetProperty("items");
                card = items.GetArrayLength() > 0 ? items[0].Clone() : default;
                if (card.ValueKind == JsonValueKind.Object && card.GetProperty("safeToFormat").GetBoolean() && (await store.ShotsAsync(stop.Token)).Count >= clips.Count)
                {
                    break;
                }

                await Task.Delay(200, stop.Token);
            }

            Assert.Equal("arri", card.GetProperty("cameraFamily").GetString());
            Assert.All(card.GetProperty("destinations").EnumerateArray(), d => Assert.Equal("verified", d.GetProperty("status").GetString()));
            foreach (var destination in (string[])[shuttle, raid])
            {
                Assert.NotEmpty(Directory.GetFiles(Path.Combine(destination, "A002R2EC", "ascmhl"), "*.mhl"));
                Assert.Empty(AscMhlSchema.ValidateAll(Path.Combine(destination, "A002R2EC")));
            }

            var shots = await store.ShotsAsync(stop.Token);
            Assert.Equal(clips.Count, shots.Count);
            Assert.All(shots, s => Assert.Equal("childtest", s.Production));

            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/api/v1/cards", UriKind.Relative), stop.Token)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/api/v1/clips", UriKind.Relative), stop.Token)).StatusCode);

            await stop.CancelAsync();
            await receiving;
            receiving = null;

            var code = await child.TerminateAsync(TimeSpan.FromSeconds(30));
            Assert.True(code == 0, $"serve exited {code} after SIGTERM: {child.Stderr}");
        }
        finally
        {
            await stop.CancelAsync();
            if (receiving is not null)
            {
                try
                {
                    await receiving;
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    internal static string Config(string cards, string[] destinations, int brokerPort, int httpPort) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["Appliance"] = new Dictionary<string, string> { ["Production"] = "childtest", ["Unit"] = "main", ["Name"] = "cart-t" },
        ["Cards"] = new Dictionary<string, object> { ["MountRoots"] = new[] { cards }, ["Destinations"] = destinations, ["ScanInterval"] = "00:00:00.200", ["SettleTime"] = "00:00:00.400" },
        ["Broker"] = new Dictionary<string, object> { ["Embedded"] = new Dictionary<string, object> { ["Enabled"] = true, ["Bind"] = "127.0.0.1", ["Port"] = brokerPort } },
        ["Dashboard"] = new Dictionary<string, string> { ["Urls"] = $"http://127.0.0.1:{httpPort}" },
        ["Relight"] = new Dictionary<string, object> { ["Presets"] = Array.Empty<object>() },
    });
}

/// <summary>The built <c>interpositive serve</c> as a child process, its output collected as it comes.</summary>
internal sealed class ServeChild : IDisposable
{
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private readonly string _dataFolder;

    private ServeChild(Process process, string dataFolder)
    {
        Process = process;
        _dataFolder = dataFolder;
        process.OutputDataReceived += (_, e) =>
        {
            lock (_stdout)
            {
                _stdout.AppendLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static ServeChild Start(string dataFolder, string config) => new(SyncCli.Start(dataFolder, "serve", "--config", config), dataFolder);

    /// <summary>
    /// The value after <paramref name="label"/> in the first-start tokens (the tokens, the sign-in link): in the 0600 file
    /// in the data folder, since a service whose stdout is not a terminal (the journal, this pipe) does not print them.
    /// </summary>
    public string Announced(string label) =>
        File.ReadAllLines(Path.Combine(_dataFolder, "first-start-tokens.txt")).Single(l => l.Contains(label, StringComparison.Ordinal)).Split(label)[1].Trim();

    /// <summary>Polls /health/ready until it answers 200; fails at once when the child exits.</summary>
    public async Task WaitReadyAsync(HttpClient http, CancellationToken cancellationToken)
    {
        while (true)
        {
            Assert.False(Process.HasExited, $"serve exited {(Process.HasExited ? Process.ExitCode : 0)} before it was ready: {Stderr}");
            try
            {
                using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Sends SIGTERM (what systemd sends) and waits for the exit code, killing the child if it overstays.</summary>
    public async Task<int> TerminateAsync(TimeSpan bound)
    {
        using (var kill = Process.Start("kill", ["-TERM", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(bound);
        try
        {
            await Process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Process.Kill(entireProcessTree: true);
            throw new TimeoutException($"serve did not stop within {bound} of SIGTERM: {Stderr}");
        }

        return Process.ExitCode;
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }

        Process.Dispose();
    }
}
