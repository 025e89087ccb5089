using System.Diagnostics;
using System.Globalization;
using System.IO.Hashing;
using InterPositive.Formats.AscMhl;
using InterPositive.Offload;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Benchmarks;

/// <summary>
/// Verified offload against the two anchors that matter, timed in one run on a synthetic card (one large clip and a
/// few hundred small files). On a disk folder: the drive's own limit, the same bytes written with O_DIRECT and read
/// back with O_DIRECT by <c>dd</c> (a verified copy can do no less), once per destination; our offload to one and two
/// destinations (O_DIRECT writes and re-reads for large files), and to one with page-cache writes for comparison.
/// On tmpfs (<c>/dev/shm</c>, where no drive limits, like a DIT cart's NVMe RAID): <c>cp -r</c> to one destination
/// against our offload to one and two. The card is read once first so every run starts from a page-cached source;
/// <c>sync</c> runs between runs (untimed) so no run pays for another's writeback; one untimed offload warms the JIT first. Our runs print their stage
/// breakdown. Also measures the hashes on one core, and on tmpfs the simplest real verified copy (see
/// <c>OffloadBenchmark.Reference.cs</c>) and the CPU floor of one (see <c>OffloadBenchmark.CpuFloor.cs</c>). Targets: ≤ 1.1× the drive limit; on tmpfs ≤ 2.0× <c>cp -r</c> for
/// two destinations and ≤ 1.3× for one.
/// Then the same on a card of thousands of small files (see <c>OffloadBenchmark.SmallFiles.cs</c>).
/// Args: [SIZE_GIB=1.5] [--dir DIR (a disk folder)] [--shm DIR (a tmpfs folder)] [--small N] [--runs R] [--no-hash] [--careful (also cp -r + xxhsum -c)]
/// [--only large|small] [--small-files N (default 5000)] [--where disk|tmpfs] [--chunk-mib M (our chunk size, default the engine's)].
/// </summary>
public sealed partial class OffloadBenchmark : IEndToEndBenchmark
{
    /// <summary>A chunk size to time ours with instead of the engine's default (for a sweep).</summary>
    private static int? _chunkSize;

    public string Name => "offload";

    public string Description => "verified offload (1 and 2 destinations) vs the drive limit (dd O_DIRECT write + read-back) on disk, and vs cp -r and a minimal two-thread verified copy on tmpfs, same run";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var sizeGiB = args.Length > 0 && double.TryParse(args[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 1.5;
        var dir = Option(args, "--dir") ?? Path.Combine("/var/tmp", "ip-bench-offload");
        var shm = Option(args, "--shm") ?? Path.Combine("/dev/shm", "ip-bench-offload");
        var small = int.Parse(Option(args, "--small") ?? "300", CultureInfo.InvariantCulture);
        var runs = int.Parse(Option(args, "--runs") ?? "1", CultureInfo.InvariantCulture);
        _chunkSize = Option(args, "--chunk-mib") is { } mib ? int.Parse(mib, CultureInfo.InvariantCulture) << 20 : null;

        if (!args.Contains("--no-hash"))
        {
            HashThroughput();
        }

        await WarmUpAsync(shm, cancellationToken);
        Console.WriteLine($"load average: {await LoadAsync(cancellationToken)} on {Environment.ProcessorCount} cores (a shared machine: figures are noisy)");
        var only = Option(args, "--only");
        var where = Option(args, "--where");
        if (only is null or "large")
        {
            var disk = where is null or "disk" ? await SuiteAsync("disk", dir, sizeGiB, small, runs, tmpfs: false, args.Contains("--careful"), cancellationToken) : [];
            var memory = where is null or "tmpfs" && Directory.Exists(Path.GetDirectoryName(shm)) ? await SuiteAsync("tmpfs", shm, sizeGiB, small, runs, tmpfs: true, careful: false, cancellationToken) : null;

            Console.WriteLine();
            Ratio(disk, Ours2, Limit2, 1.1);
            Ratio(disk, Ours1, Limit1, 1.1);
            Ratio(disk, Buffered1, Limit1, null);
            if (memory is not null)
            {
                Ratio(memory, Ours2, Cp, 2.0);
                Ratio(memory, Ours1, Cp, 1.3);

                // The fair anchors where no drive limits: the simplest real verified copy, and the CPU floor; and how far
                // the cp -r targets are from each on this machine.
                Ratio(memory, Ours2, Reference2, null);
                Ratio(memory, Ours1, Reference1, null);
                Ratio(memory, Reference2, Cp, 2.0);
                Ratio(memory, Reference1, Cp, 1.3);
                Ratio(memory, Ours2, Floor2, null);
                Ratio(memory, Ours1, Floor1, null);
                Ratio(memory, Floor2, Cp, 2.0);
                Ratio(memory, Floor1, Cp, 1.3);
            }

            Console.WriteLine($"load average: {await LoadAsync(cancellationToken)}");
        }

        if (only is null or "small")
        {
            var files = int.Parse(Option(args, "--small-files") ?? "5000", CultureInfo.InvariantCulture);
            await SmallFilesAsync(where is null or "disk" ? dir + "-small" : null, where is null or "tmpfs" && Directory.Exists(Path.GetDirectoryName(shm)) ? shm + "-small" : null, files, runs, cancellationToken);
        }

        Console.WriteLine($"load average at the end: {await LoadAsync(cancellationToken)}");
        return 0;
    }

    private const string Limit1 = "drive limit, 1 dest (dd O_DIRECT)";
    private const string Limit2 = "drive limit, 2 dests (dd O_DIRECT)";
    private const string Ours1 = "interpositive offload (1 dest)";
    private const string Ours2 = "interpositive offload (2 dests)";
    private const string Buffered1 = "offload (1 dest, page-cache writes)";
    private const string Cp = "cp -r (1 dest)";

    private static async Task<Dictionary<string, List<double>>> SuiteAsync(string label, string dir, double sizeGiB, int small, int runs, bool tmpfs, bool careful, CancellationToken cancellationToken)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        var card = Path.Combine(dir, "card", "A001R1AB");
        var total = MakeCard(card, (long)(sizeGiB * (1L << 30)), small);
        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant($"{label}: card {total / 1e9:0.00} GB, 1 clip + {small} small files, in {dir}"));
        await ShAsync($"cat $(find '{card}' -type f) > /dev/null; sync", cancellationToken);

        var d1 = Path.Combine(dir, "d1");
        var d2 = Path.Combine(dir, "d2");
        var times = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        try
        {
            for (var run = 0; run < runs; run++)
            {
                await TimeAsync(times, Cp, $"cp -r '{card}' '{d1}/'", d1, d2, cancellationToken);
                if (!tmpfs)
                {
                    await TimeAsync(times, Limit1, DriveLimit(card, [d1]), d1, d2, cancellationToken);
                    await TimeAsync(times, Limit2, DriveLimit(card, [d1, d2]), d1, d2, cancellationToken);
                }

                await TimeOursAsync(times, Ours1, card, [d1], d1, d2, cancellationToken);
                await TimeOursAsync(times, Ours2, card, [d1, d2], d1, d2, cancellationToken);
                if (!tmpfs)
                {
                    await TimeOursAsync(times, Buffered1, card, [d1], d1, d2, cancellationToken, LinuxFileSystem.Buffered);
                }

                if (careful)
                {
                    await TimeAsync(times, "cp -r + xxhsum -c (2 dests)", Careful(card, [d1, d2]), d1, d2, cancellationToken);
                }
            }

            if (tmpfs)
            {
                // After all our runs, not between them, so none of its code or buffers are in our runs' process yet.
                for (var run = 0; run < runs; run++)
                {
                    await TimeReferenceAsync(times, Reference1, card, [d1], d1, d2, cancellationToken);
                    await TimeReferenceAsync(times, Reference2, card, [d1, d2], d1, d2, cancellationToken);
                }

                await CpuFloorAsync(times, card, d1, d2, cancellationToken);
            }

            PrintBest(label, times, "GB/s", best => total / best / 1e9, "0.00");
            return times;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// The least a verified copy costs on this drive: the card's bytes written with O_DIRECT to each destination, then
    /// read back from each with O_DIRECT (dd turns O_DIRECT off for its last, short block itself).
    /// </summary>
    private static string DriveLimit(string card, string[] destinations)
    {
        var writes = destinations.Select(d => $"find '{card}' -type f -print0 | xargs -0 cat | dd of='{d}/limit.bin' bs=16M oflag=direct iflag=fullblock status=none");
        var reads = destinations.Select(d => $"dd if='{d}/limit.bin' of=/dev/null bs=16M iflag=direct status=none");
        return string.Join(" && ", writes.Concat(reads));
    }

    /// <summary>Each run's best time and the rate it gives (<paramref name="unit"/> from the best seconds).</summary>
    private static void PrintBest(string label, Dictionary<string, List<double>> times, string unit, Func<double, double> rate, string format)
    {
        Console.WriteLine($"{label,-34} {"s (best)",9} {unit,8}");
        foreach (var (name, list) in times)
        {
            var best = list.Min();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-40} {best,9:0.000} {rate(best).ToString(format, CultureInfo.InvariantCulture),8}"));
        }
    }

    private static void Ratio(Dictionary<string, List<double>> times, string ours, string anchor, double? target)
    {
        if (times.TryGetValue(ours, out var a) && times.TryGetValue(anchor, out var b))
        {
            var ratio = a.Min() / b.Min();
            var verdict = target is { } t ? FormattableString.Invariant($" (target ≤ {t:0.0}: {(ratio <= t ? "met" : "missed")})") : "";
            Console.WriteLine(FormattableString.Invariant($"ratio {ours} / {anchor} = {ratio:0.00}{verdict}"));
        }
    }

    /// <summary>
    /// One untimed offload of a small card (streamed and batched files, 1 and 2 destinations) first, so the timed runs
    /// measure the engine as the appliance's long-running service runs it, not the JIT compiling it (perf: about a
    /// tenth of the samples of a cold tmpfs run were the JIT).
    /// </summary>
    private static async Task WarmUpAsync(string shm, CancellationToken cancellationToken)
    {
        var dir = (Directory.Exists(Path.GetDirectoryName(shm)) ? shm : Path.Combine(Path.GetTempPath(), "ip-bench-offload")) + "-warm";
        var card = Path.Combine(dir, "card", "A000R1AB");
        Directory.CreateDirectory(Path.Combine(card, "Clips"));
        Directory.CreateDirectory(Path.Combine(card, "Metadata"));
        var bytes = new byte[40 << 20];
        new Random(3).NextBytes(bytes);
        await File.WriteAllBytesAsync(Path.Combine(card, "Clips", "A000C001.mov"), bytes, cancellationToken);
        for (var i = 0; i < 200; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(card, "Metadata", FormattableString.Invariant($"A000_{i:D3}.xml")), bytes.AsMemory(i, 8192 + i), cancellationToken);
        }

        var d1 = Path.Combine(dir, "d1");
        var d2 = Path.Combine(dir, "d2");
        try
        {
            for (var run = 0; run < 2; run++)
            {
                await ResetAsync(d1, d2, cancellationToken);
                var engine = new OffloadEngine(LinuxFileSystem.Instance, catalog: null, TimeProvider.System);
                _ = await engine.RunAsync(new OffloadRequest(card, run == 0 ? [d1] : [d1, d2]), null, cancellationToken);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<string> LoadAsync(CancellationToken cancellationToken) =>
        File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg", cancellationToken)).Trim() : "?";

    private static void HashThroughput()
    {
        var data = new byte[1 << 30];
        new Random(1).NextBytes(data.AsSpan(0, 1 << 20));
        for (var i = 1; i < 1024; i++)
        {
            data.AsSpan(0, 1 << 20).CopyTo(data.AsSpan(i << 20));
        }

        // The first pass over the buffer also pays for first touches; xxh64 is measured again at the end.
        foreach (var format in new[] { MhlHashFormat.Xxh3, MhlHashFormat.Xxh64, MhlHashFormat.Xxh128, MhlHashFormat.Xxh64 })
        {
            using var hasher = new MhlHasher(format);
            var best = double.MaxValue;

            // Run 0 warms the JIT (tiered compilation) and is not counted.
            for (var run = -1; run < 3; run++)
            {
                var watch = Stopwatch.StartNew();
                for (var offset = 0; offset < data.Length; offset += 4 << 20)
                {
                    hasher.Append(data.AsSpan(offset, 4 << 20));
                }

                _ = hasher.FinishString();
                if (run >= 0)
                {
                    best = Math.Min(best, watch.Elapsed.TotalSeconds);
                }
            }

            Console.WriteLine(FormattableString.Invariant($"{format.ElementName(),-6} one core, 1 GiB in memory, 4 MiB appends: {data.Length / best / 1e9:0.0} GB/s"));
        }

        var xx = new XxHash64();
        var oneShot = Stopwatch.StartNew();
        xx.Append(data);
        _ = xx.GetCurrentHashAsUInt64();
        Console.WriteLine(FormattableString.Invariant($"xxh64  one core, 1 GiB one append: {data.Length / oneShot.Elapsed.TotalSeconds / 1e9:0.0} GB/s"));
    }

    private static long MakeCard(string card, long size, int small)
    {
        Directory.CreateDirectory(Path.Combine(card, "Clips"));
        Directory.CreateDirectory(Path.Combine(card, "Metadata"));
        var block = new byte[8 << 20];
        new Random(7).NextBytes(block);
        long total = 0;
        var smallSize = 64 * 1024;
        var clipSize = Math.Max(1 << 20, size - ((long)small * smallSize));
        using (var clip = new FileStream(Path.Combine(card, "Clips", "A001C001_261124_R1AB.mov"), FileMode.Create, FileAccess.Write, FileShare.None, 0))
        {
            for (long written = 0; written < clipSize; written += block.Length)
            {
                // A different first word per block: no two blocks alike, so nothing can deduplicate them.
                BitConverter.TryWriteBytes(block, written);
                clip.Write(block, 0, (int)Math.Min(block.Length, clipSize - written));
            }
        }

        total += clipSize;
        for (var i = 0; i < small; i++)
        {
            BitConverter.TryWriteBytes(block, i);
            File.WriteAllBytes(Path.Combine(card, "Metadata", FormattableString.Invariant($"A001C001_{i:D4}.xml")), block.AsSpan(0, smallSize).ToArray());
            total += smallSize;
        }

        return total;
    }

    private static string Careful(string card, string[] destinations)
    {
        var name = Path.GetFileName(card);
        var sums = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(card)!)!, "sums.xxh64");
        var copies = string.Join(" && ", destinations.Select(d => $"cp -r '{card}' '{d}/'"));
        var checks = string.Join(" && ", destinations.Select(d => $"(cd '{d}/{name}' && xxhsum -q -c '{sums}' 2>/dev/null)"));
        return $"{copies} && (cd '{card}' && find . -type f -print0 | sort -z | xargs -0 xxhsum -H1 > '{sums}') && {checks}";
    }

    private static async Task TimeAsync(Dictionary<string, List<double>> times, string name, string command, string d1, string d2, CancellationToken cancellationToken)
    {
        await ResetAsync(d1, d2, cancellationToken);
        var watch = Stopwatch.StartNew();
        var code = await ShAsync(command, cancellationToken);
        var seconds = watch.Elapsed.TotalSeconds;
        if (code != 0)
        {
            throw new InvalidOperationException($"{name}: exit {code}");
        }

        Add(times, name, seconds);
    }

    private static async Task TimeOursAsync(Dictionary<string, List<double>> times, string name, string card, string[] destinations, string d1, string d2, CancellationToken cancellationToken, LinuxFileSystem? fs = null, int? chunkSize = null, Func<OffloadRequest, OffloadRequest>? tweak = null)
    {
        await ResetAsync(d1, d2, cancellationToken);
        var engine = new OffloadEngine(fs ?? LinuxFileSystem.Instance, catalog: null, TimeProvider.System);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var request = tweak is null ? new OffloadRequest(card, destinations) : tweak(new OffloadRequest(card, destinations));
        var result = await engine.RunAsync((chunkSize ?? _chunkSize) is { } size ? request with { ChunkSize = size } : request, null, cancellationToken);
        var seconds = watch.Elapsed.TotalSeconds;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        if (result.Failure != OffloadFailureKind.None)
        {
            throw new InvalidOperationException($"{name}: {result.Error}");
        }

        Add(times, name, seconds);
        Console.WriteLine(FormattableString.Invariant($"    write {string.Join(",", result.Destinations.Select(d => d.WriteMode))}, re-read {string.Join(",", result.Destinations.Select(d => d.ReReadMode))}; CPU {cpu.TotalSeconds:0.000} s; busy seconds per stage (summed over threads, they overlap):"));
        Console.WriteLine("    " + string.Join("  ", result.Stages.Where(s => s.Count > 0).Select(s => FormattableString.Invariant($"{s.Stage} {s.Seconds:0.000}"))));
    }

    private static void Add(Dictionary<string, List<double>> times, string name, double seconds)
    {
        if (!times.TryGetValue(name, out var list))
        {
            times[name] = list = [];
        }

        list.Add(seconds);
        Console.WriteLine(FormattableString.Invariant($"{name,-34} {seconds,8:0.000} s"));
    }

    private static async Task ResetAsync(string d1, string d2, CancellationToken cancellationToken)
    {
        foreach (var d in new[] { d1, d2 })
        {
            if (Directory.Exists(d))
            {
                Directory.Delete(d, recursive: true);
            }

            Directory.CreateDirectory(d);
        }

        await ShAsync("sync", cancellationToken);
    }

    private static async Task<int> ShAsync(string command, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        using var process = Process.Start(info)!;
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode;
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
