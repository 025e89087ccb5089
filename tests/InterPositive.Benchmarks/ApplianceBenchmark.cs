using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using InterPositive.Testing;
using InterPositive.Testing.Cards;

namespace InterPositive.Benchmarks;

/// <summary>
/// <c>appliance [--exe PATH/interpositive.dll] [--runs N] [--card-mib M]</c>: the appliance's figures from the built
/// executable run as a child process, as systemd runs it. Start to ready (spawn <c>serve</c> with a fresh data folder →
/// first 200 from /health/ready) against the baseline of spawning <c>interpositive --help</c> to exit in the same run;
/// resident memory (VmRSS/VmHWM from /proc) idle with the pattern feed, and during the offload of a synthetic card to
/// two destinations; the API answer time of one dashboard refresh (its six GETs), idle and during the offload, from which
/// the dashboard's update latency follows (poll interval + answer); how long a card takes from appearing to being shown.
/// </summary>
public sealed class ApplianceBenchmark : IEndToEndBenchmark
{
    private static readonly string[] DashboardPolls = ["/api/v1/cards", "/api/v1/clips", "/api/v1/sync", "/api/v1/feeds", "/api/v1/offload/jobs", "/api/v1/sensors"];

    public string Name => "appliance";

    public string Description => "Service start to ready vs spawn of --help, RSS idle and during a 1 GiB offload with the pattern feed, dashboard refresh latency";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var exe = Option(args, "--exe") ?? Environment.GetEnvironmentVariable("INTERPOSITIVE_EXE") ?? FindBuilt();
        if (exe is null || !File.Exists(exe))
        {
            await Console.Error.WriteLineAsync("appliance: build src/InterPositive.Host first (dotnet build -c Release src/InterPositive.Host) or pass --exe PATH/interpositive.dll");
            return 2;
        }

        var runs = int.Parse(Option(args, "--runs") ?? "3", CultureInfo.InvariantCulture);
        var cardMib = int.Parse(Option(args, "--card-mib") ?? "1024", CultureInfo.InvariantCulture);
        Console.WriteLine($"executable: {exe}");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {LoadAverage()} (shared: other builds run at the same time)");

        // Baseline: the runtime and our assemblies starting and exiting, with no service.
        var baseline = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            using var help = Spawn(exe, ["--help"], null);
            await help.StandardOutput.ReadToEndAsync(cancellationToken);
            await help.WaitForExitAsync(cancellationToken);
            baseline.Add(clock.Elapsed.TotalMilliseconds);
        }

        var ready = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            using var folder = new TempFolder("bench-appliance");
            await using var service = await Service.StartAsync(exe, folder, cancellationToken);
            ready.Add(service.ReadyMs);
        }

        Console.WriteLine($"start to ready: median {Median(ready):F0} ms (runs {string.Join(", ", ready.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))}); target ≤ 2000 ms");
        Console.WriteLine($"baseline spawn of --help to exit: median {Median(baseline):F0} ms; ratio ready/baseline {Median(ready) / Median(baseline):F2}");

        using (var folder = new TempFolder("bench-appliance"))
        {
            await using var service = await Service.StartAsync(exe, folder, cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
            var idle = service.Memory();
            var idleRefresh = await RefreshTimesAsync(service, 20, cancellationToken);
            Console.WriteLine($"resident memory idle (pattern feed running): VmRSS {idle.Rss / 1024.0:F0} MiB, VmHWM {idle.Hwm / 1024.0:F0} MiB; target ≤ 400 MB");
            Console.WriteLine($"dashboard refresh (6 GETs in parallel) idle: median {Median(idleRefresh):F1} ms, max {idleRefresh.Max():F1} ms");

            // A card appears: written elsewhere and moved in, as a mount appears.
            var staging = folder.Combine("staging", "A002R2EC");
            var clips = Math.Max(1, cardMib / 128);
            SyntheticCard.Typical(staging, clips: clips, clipSize: (int)Math.Min(int.MaxValue - 64, (long)cardMib * 1024 * 1024 / clips));
            var bytes = new DirectoryInfo(staging).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
            var appeared = Stopwatch.StartNew();
            Directory.Move(staging, Path.Combine(service.Cards, "A002R2EC"));
            double? shownMs = null;
            var peakRss = 0L;
            var busyRefresh = new List<double>();
            string state = "";
            while (!cancellationToken.IsCancellationRequested)
            {
                var refresh = Stopwatch.StartNew();
                var jobs = await service.GetAsync("/api/v1/offload/jobs", cancellationToken);
                using var json = JsonDocument.Parse(jobs);
                var items = json.RootElement.GetProperty("items");
                if (items.GetArrayLength() > 0)
                {
                    shownMs ??= appeared.Elapsed.TotalMilliseconds;
                    state = items[0].GetProperty("state").GetString() ?? "";
                    if (state is "verified" or "failed" or "parked")
                    {
                        break;
                    }

                    if (state == "copying")
                    {
                        busyRefresh.AddRange(await RefreshTimesAsync(service, 1, cancellationToken));
                    }
                }

                peakRss = Math.Max(peakRss, service.Memory().Rss);
                await Task.Delay(100, cancellationToken);
            }

            var offload = appeared.Elapsed;
            var during = service.Memory();
            Console.WriteLine($"card of {bytes / 1048576.0:F0} MiB to two destinations: {state} in {offload.TotalSeconds:F1} s ({2.0 * bytes / 1048576 / offload.TotalSeconds:F0} MiB/s written)");
            Console.WriteLine($"resident memory during the offload with the pattern feed: peak VmRSS sampled {peakRss / 1024.0:F0} MiB, VmHWM {during.Hwm / 1024.0:F0} MiB; target ≤ 400 MB");
            Console.WriteLine($"card appearing → shown by the API: {shownMs:F0} ms (card watcher scan {Service.ScanMs} ms + settle {Service.SettleMs} ms, as configured)");
            if (busyRefresh.Count > 0)
            {
                Console.WriteLine($"dashboard refresh during the offload: median {Median(busyRefresh):F1} ms, max {busyRefresh.Max():F1} ms ({busyRefresh.Count} refreshes)");
            }

            var answer = busyRefresh.Count > 0 ? Median(busyRefresh) : Median(idleRefresh);
            Console.WriteLine($"dashboard update latency (state change → on screen) = wait for the next 500 ms poll + refresh: mean ≈ {250 + answer:F0} ms, worst ≈ {500 + answer:F0} ms");
        }

        return 0;
    }

    private static async Task<List<double>> RefreshTimesAsync(Service service, int count, CancellationToken cancellationToken)
    {
        var times = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(DashboardPolls.Select(path => service.GetAsync(path, cancellationToken)));
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return times;
    }

    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    private static string? FindBuilt()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "InterPositive.sln")))
            {
                return new[] { "Release", "Debug" }
                    .Select(c => Path.Combine(dir.FullName, "src", "InterPositive.Host", "bin", c, "net10.0", "interpositive.dll"))
                    .Append(Path.Combine(dir.FullName, "tests", "InterPositive.Host.Tests", "bin", "Debug", "net10.0", "interpositive.dll"))
                    .FirstOrDefault(File.Exists);
            }
        }

        return null;
    }

    private static Process Spawn(string exe, IEnumerable<string> arguments, string? data)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(exe);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (data is not null)
        {
            start.ArgumentList.Add("--data");
            start.ArgumentList.Add(data);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary><c>interpositive serve</c> on free loopback ports with a watched card folder and two destinations.</summary>
    private sealed class Service : IAsyncDisposable
    {
        public const int ScanMs = 500;
        public const int SettleMs = 1000;

        private readonly Process _process;
        private readonly HttpClient _http;
        private readonly StringBuilder _stdout = new();

        private Service(Process process, HttpClient http, string cards)
        {
            _process = process;
            _http = http;
            Cards = cards;
        }

        public string Cards { get; }

        public double ReadyMs { get; private set; }

        public static async Task<Service> StartAsync(string exe, TempFolder folder, CancellationToken cancellationToken)
        {
            var cards = Directory.CreateDirectory(folder.Combine("cards")).FullName;
            var destinations = new[] { Directory.CreateDirectory(folder.Combine("shuttle")).FullName, Directory.CreateDirectory(folder.Combine("raid")).FullName };
            var port = FreePort();
            var config = folder.Combine("interpositive.json");
            await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["Cards"] = new Dictionary<string, object> { ["MountRoots"] = new[] { cards }, ["Destinations"] = destinations, ["ScanInterval"] = TimeSpan.FromMilliseconds(ScanMs).ToString(), ["SettleTime"] = TimeSpan.FromMilliseconds(SettleMs).ToString() },
                ["Broker"] = new Dictionary<string, object> { ["Embedded"] = new Dictionary<string, object> { ["Port"] = FreePort() } },
                ["Dashboard"] = new Dictionary<string, string> { ["Urls"] = $"http://127.0.0.1:{port}" },
            }), cancellationToken);
            var clock = Stopwatch.StartNew();
            var process = Spawn(exe, ["serve", "--config", config], folder.Combine("data"));
            var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var service = new Service(process, http, cards);
            process.OutputDataReceived += (_, e) =>
            {
                lock (service._stdout)
                {
                    service._stdout.AppendLine(e.Data);
                }
            };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"serve exited with {process.ExitCode} before it was ready");
                }

                try
                {
                    using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative), cancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(10, cancellationToken);
            }

            service.ReadyMs = clock.Elapsed.TotalMilliseconds;
            string token;
            // A service whose stdout is not a terminal leaves its first-start tokens only in the 0600 file.
            token = (await File.ReadAllLinesAsync(Path.Combine(folder.Combine("data"), "first-start-tokens.txt"), cancellationToken))
                .First(l => l.Contains("operator token:", StringComparison.Ordinal)).Split(':')[1].Trim();

            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return service;
        }

        public async Task<string> GetAsync(string path, CancellationToken cancellationToken) =>
            await _http.GetStringAsync(new Uri(path, UriKind.Relative), cancellationToken);

        /// <summary>VmRSS and VmHWM of the service process, in KiB.</summary>
        public (long Rss, long Hwm) Memory()
        {
            long rss = 0, hwm = 0;
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    hwm = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
            }

            return (rss, hwm);
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            if (!_process.HasExited)
            {
                using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
                {
                    await term.WaitForExitAsync();
                }

                var clock = Stopwatch.StartNew();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try
                {
                    await _process.WaitForExitAsync(timeout.Token);
                    Console.WriteLine($"  (serve stopped on SIGTERM in {clock.Elapsed.TotalMilliseconds:F0} ms, exit code {_process.ExitCode})");
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }

            _process.Dispose();
        }
    }
}
