using System.Diagnostics;
using System.Text.Json;
using InterPositive.Testing;
using InterPositive.Testing.Cards;

namespace InterPositive.Host.Tests;

/// <summary>The built <c>interpositive</c> run as a child process: exit codes, JSON, one-line errors, kill -9 and resume.</summary>
[Trait("Category", "Integration")]
public sealed class OffloadCliTests : IDisposable
{
    private readonly TempFolder _temp = new("ip-cli");

    public void Dispose() => _temp.Dispose();

    private string Data => _temp.Combine("data");

    [Fact]
    public async Task Offload_prints_a_json_summary_and_exits_0()
    {
        var card = SyntheticCard.Typical(_temp.Combine("A002R2EC"), clips: 2, smallFiles: 2);
        Directory.CreateDirectory(_temp.Combine("d1"));
        Directory.CreateDirectory(_temp.Combine("d2"));

        var run = await Cli.RunAsync(["offload", card.Root, "--dest", _temp.Combine("d1"), "--dest", _temp.Combine("d2"), "--hash", "xxh64", "--hash", "md5", "--json", "--verbose", "--data", Data]);

        Assert.Equal(0, run.ExitCode);

        // --verbose: where the seconds went, stage by stage, on stderr; the same breakdown in the summary.
        Assert.Matches("Offload stage \"?re-read\"?: ", run.Stderr);
        Assert.Matches("Offload stage \"?flush\"?: ", run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.Equal("verified", root.GetProperty("status").GetString());
        Assert.True(root.GetProperty("safeToFormat").GetBoolean());
        Assert.Equal(5, root.GetProperty("files").GetInt32());
        Assert.Equal("fadvise", root.GetProperty("reReadMode").GetString());
        Assert.Contains(root.GetProperty("stages").EnumerateArray(), s => s.GetProperty("stage").GetString() == "write" && s.GetProperty("bytes").GetInt64() > 0);
        Assert.Equal(2, root.GetProperty("destinations").GetArrayLength());
        Assert.All(root.GetProperty("destinations").EnumerateArray(), d => Assert.Equal("verified", d.GetProperty("status").GetString()));
        var file = root.GetProperty("fileResults").EnumerateArray().First();
        Assert.Equal(16, file.GetProperty("hashes").GetProperty("xxh64").GetString()!.Length);
        Assert.Equal(32, file.GetProperty("hashes").GetProperty("md5").GetString()!.Length);
        Assert.Empty(AscMhlSchema.ValidateAll(_temp.Combine("d1", "A002R2EC")));
        Assert.True(File.Exists(Path.Combine(Data, "interpositive.db")));

        var verify = await Cli.RunAsync(["verify", _temp.Combine("d2", "A002R2EC"), "--json", "--data", Data]);
        Assert.Equal(0, verify.ExitCode);
        using var report = JsonDocument.Parse(verify.Stdout);
        Assert.True(report.RootElement.GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task Usage_bad_input_environment_and_check_failures_have_their_exit_codes_and_one_line_errors()
    {
        var card = SyntheticCard.Typical(_temp.Combine("A002R2EC"), clips: 1, smallFiles: 0);
        Directory.CreateDirectory(_temp.Combine("d1"));

        var badHash = await Cli.RunAsync(["offload", card.Root, "--dest", _temp.Combine("d1"), "--hash", "crc32", "--data", Data]);
        Assert.Equal(2, badHash.ExitCode);
        Assert.Contains("crc32", badHash.Stderr, StringComparison.Ordinal);

        var noSource = await Cli.RunAsync(["offload", _temp.Combine("no-card"), "--dest", _temp.Combine("d1"), "--data", Data]);
        Assert.Equal(3, noSource.ExitCode);
        Assert.Contains("no-card", noSource.Stderr, StringComparison.Ordinal);

        var noDrive = await Cli.RunAsync(["offload", card.Root, "--dest", _temp.Combine("unplugged"), "--data", Data]);
        Assert.Equal(4, noDrive.ExitCode);
        Assert.Single(noDrive.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("error:", StringComparison.Ordinal) && l.Contains("unplugged", StringComparison.Ordinal));

        Directory.CreateDirectory(_temp.Combine("d1", "A002R2EC"));
        await File.WriteAllTextAsync(_temp.Combine("d1", "A002R2EC", "Sidecar.txt"), "another card's sidecar\n");
        var clash = await Cli.RunAsync(["offload", card.Root, "--dest", _temp.Combine("d1"), "--data", Data]);
        Assert.Equal(1, clash.ExitCode);
        Assert.Contains("Sidecar.txt", clash.Stderr, StringComparison.Ordinal);
        Assert.Contains("other content", clash.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_exits_1_on_an_altered_history_and_0_on_a_good_one()
    {
        var altered = await Cli.RunAsync(["verify", ReferenceData.Path("ascmhl", "scenarios", "scenario_04", "file_server", "A002R2EC"), "--data", Data]);
        Assert.Equal(1, altered.ExitCode);
        Assert.Contains("Sidecar.txt", altered.Stderr, StringComparison.Ordinal);
        Assert.Contains("ALTERED", altered.Stdout, StringComparison.Ordinal);

        var good = await Cli.RunAsync(["verify", ReferenceData.Path("ascmhl", "scenarios", "scenario_05", "file_server", "Reels"), "--json", "--data", Data]);
        Assert.Equal(0, good.ExitCode);
    }

    [Fact]
    public async Task An_offload_killed_with_sigkill_resumes_and_finishes_verified()
    {
        var card = new SyntheticCard(_temp.Combine("A003R2EC"));
        card.File("Clips/A003C001.mov", 24 << 20, seed: 9);
        // Enough small files that the offload (8 files verifying at once, records in batches) is still running when its
        // tenth file gets its final name.
        for (var i = 0; i < 400; i++)
        {
            card.File(FormattableString.Invariant($"Metadata/{i:D3}.xml"), 64 * 1024, seed: i);
        }

        var drive = _temp.Combine("d1");
        Directory.CreateDirectory(drive);
        var copy = Path.Combine(drive, "A003R2EC");

        // Killed from the rename notification of its tenth final name (inotify), not from a poll: a poll between two
        // directory scans could miss the whole card finishing on a quiet machine.
        using (var watcher = new FileSystemWatcher(drive) { IncludeSubdirectories = true })
        {
            Process? child = null;
            var renamed = 0;
            var tenth = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            watcher.Renamed += (_, e) =>
            {
                if (e.OldFullPath.EndsWith(".ip-partial", StringComparison.Ordinal) && Interlocked.Increment(ref renamed) == 10)
                {
                    Volatile.Read(ref child)?.Kill();
                    tenth.TrySetResult();
                }
            };
            watcher.EnableRaisingEvents = true;
            using var started = Cli.Start(["offload", card.Root, "--dest", drive, "--data", Data]);
            Volatile.Write(ref child, started);
            await Task.WhenAny(tenth.Task, started.WaitForExitAsync());
            if (!started.HasExited)
            {
                started.Kill(entireProcessTree: true);
            }

            await started.WaitForExitAsync();
        }

        // The kill lands mid-card: at least ten final names, not all of them.
        Assert.InRange(CountFinals(copy), 10, 400);
        var before = Contents(copy);
        foreach (var (path, bytes) in before)
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(card.Root, path)), bytes);
        }

        var resumed = await Cli.RunAsync(["offload", card.Root, "--dest", drive, "--json", "--data", Data]);

        Assert.Equal(0, resumed.ExitCode);
        using var json = JsonDocument.Parse(resumed.Stdout);
        Assert.Equal("verified", json.RootElement.GetProperty("status").GetString());

        // Files under a final name before the kill are never written again: skipped when the catalog recorded them
        // (records go in batches), otherwise re-read and matched in place.
        var outcomes = json.RootElement.GetProperty("fileResults").EnumerateArray()
            .ToDictionary(f => f.GetProperty("path").GetString()!, f => f.GetProperty("destinations").EnumerateObject().Single().Value.GetString());
        Assert.All(before.Keys, path => Assert.Contains(outcomes[path], new[] { "resumed", "matched-existing" }));
        Assert.Equal(before.Count(p => outcomes[p.Key] == "resumed"), json.RootElement.GetProperty("filesResumed").GetInt32());

        Assert.Equal(401, Contents(copy).Count);
        Assert.Empty(Directory.GetFiles(copy, "*.ip-partial", SearchOption.AllDirectories));
        Assert.Empty(AscMhlSchema.ValidateAll(copy));
        var verify = await Cli.RunAsync(["verify", copy, "--data", Data]);
        Assert.Equal(0, verify.ExitCode);
    }

    private static int CountFinals(string copy) =>
        Directory.Exists(copy) ? Directory.EnumerateFiles(copy, "*", SearchOption.AllDirectories).Count(f => !f.EndsWith(".ip-partial", StringComparison.Ordinal)) : 0;

    private static Dictionary<string, byte[]> Contents(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".ip-partial", StringComparison.Ordinal) && !f.Contains("/ascmhl/", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllBytes);
}

/// <summary>Runs the built <c>interpositive</c> (its dll beside the tests) as a child process.</summary>
internal static class Cli
{
    private static string Dll => Path.Combine(AppContext.BaseDirectory, "interpositive.dll");

    public static Process Start(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start interpositive");
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
