using System.Diagnostics;
using System.Globalization;
using System.IO.Hashing;
using InterPositive.Formats.AscMhl;
using InterPositive.Offload;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Benchmarks;

/// <summary>
/// Verified offload against what a careful user would run by hand, timed in the same run on a synthetic card
/// (one large clip and a few hundred small files): <c>cp -r</c> to one destination (the ×1.00 reference: page cache,
/// nothing flushed, nothing checked); <c>cp -r</c> + <c>sync</c>; <c>cp -r</c> to each destination then
/// <c>xxhsum</c> of the source and <c>xxhsum -c</c> of each copy; the read-back alone (every file of a flushed copy read
/// with O_DIRECT, the part of a verified offload <c>cp</c> never does); and our offload (read once, hash in flight,
/// flush, re-read from the drive, rename) to one and two destinations, plus one destination with the O_DIRECT re-read.
/// The card is read once first so every run starts from a page-cached source; <c>sync</c> runs between runs (untimed)
/// so no run pays for another's writeback. Our runs print their stage breakdown. Also measures xxh64 on one core.
/// Args: [SIZE_GIB=4] [--dir DIR] [--small N] [--runs R] [--no-hash] [--chunk-mib N: also time ours with N MiB chunks].
/// </summary>
public sealed class OffloadBenchmark : IEndToEndBenchmark
{
    public string Name => "offload";

    public string Description => "verified offload (1 and 2 destinations) vs cp -r and cp -r + xxhsum, same run; xxh64 GB/s on one core";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var sizeGiB = args.Length > 0 && double.TryParse(args[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 4;
        var dir = Option(args, "--dir") ?? Path.Combine(Path.GetTempPath(), "ip-bench-offload");
        var small = int.Parse(Option(args, "--small") ?? "300", CultureInfo.InvariantCulture);
        var runs = int.Parse(Option(args, "--runs") ?? "1", CultureInfo.InvariantCulture);

        if (!args.Contains("--no-hash"))
        {
            HashThroughput();
        }

        Console.WriteLine($"load average: {(File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg", cancellationToken)).Trim() : "?")} on {Environment.ProcessorCount} cores");

        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        var card = Path.Combine(dir, "card", "A001R1AB");
        var total = MakeCard(card, (long)(sizeGiB * (1L << 30)), small);
        Console.WriteLine(FormattableString.Invariant($"card: {total / 1e9:0.00} GB, 1 clip + {small} small files, in {dir}"));
        await ShAsync($"cat $(find '{card}' -type f) > /dev/null; sync", cancellationToken);

        var d1 = Path.Combine(dir, "d1");
        var d2 = Path.Combine(dir, "d2");
        var times = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        for (var run = 0; run < runs; run++)
        {
            await TimeAsync(times, "cp -r (1 dest)", $"cp -r '{card}' '{d1}/'", d1, d2, cancellationToken);
            await TimeAsync(times, "cp -r + sync (1 dest)", $"cp -r '{card}' '{d1}/' && sync", d1, d2, cancellationToken);
            await TimeReadBackAsync(times, Path.Combine(d1, Path.GetFileName(card)), cancellationToken);
            await TimeAsync(times, "cp -r + xxhsum -c (1 dest)", Careful(card, [d1]), d1, d2, cancellationToken);
            await TimeAsync(times, "cp -r + xxhsum -c (2 dests)", Careful(card, [d1, d2]), d1, d2, cancellationToken);
            await TimeOursAsync(times, "interpositive offload (1 dest)", card, [d1], d1, d2, cancellationToken);
            await TimeOursAsync(times, "interpositive offload (2 dests)", card, [d1, d2], d1, d2, cancellationToken);
            await TimeOursAsync(times, "offload (1 dest, O_DIRECT re-read)", card, [d1], d1, d2, cancellationToken, LinuxFileSystem.Direct);
            if (Option(args, "--chunk-mib") is { } chunk)
            {
                // The same offload with another read/write chunk size: fewer, larger hand-offs between the stages.
                var bytes = int.Parse(chunk, CultureInfo.InvariantCulture) << 20;
                await TimeOursAsync(times, $"offload (1 dest, {chunk} MiB chunks)", card, [d1], d1, d2, cancellationToken, chunkSize: bytes);
                await TimeOursAsync(times, $"offload (2 dests, {chunk} MiB chunks)", card, [d1, d2], d1, d2, cancellationToken, chunkSize: bytes);
            }
        }

        var cp = times["cp -r (1 dest)"].Min();
        Console.WriteLine();
        Console.WriteLine($"{"run",-34} {"s (best)",9} {"GB/s",6} {"× cp -r",8}");
        foreach (var (name, list) in times)
        {
            var best = list.Min();
            Console.WriteLine(FormattableString.Invariant($"{name,-34} {best,9:0.000} {total / best / 1e9,6:0.00} {best / cp,8:0.00}"));
        }

        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant($"ratio offload(1)/cp -r = {times["interpositive offload (1 dest)"].Min() / cp:0.00} (target ≤ 1.3)"));
        Console.WriteLine(FormattableString.Invariant($"ratio offload(2)/cp -r = {times["interpositive offload (2 dests)"].Min() / cp:0.00} (target ≤ 1.5)"));
        Console.WriteLine(FormattableString.Invariant($"ratio offload(1)/(cp -r + xxhsum -c, 1 dest) = {times["interpositive offload (1 dest)"].Min() / times["cp -r + xxhsum -c (1 dest)"].Min():0.00}"));
        Console.WriteLine(FormattableString.Invariant($"ratio offload(2)/(cp -r + xxhsum -c, 2 dests) = {times["interpositive offload (2 dests)"].Min() / times["cp -r + xxhsum -c (2 dests)"].Min():0.00}"));
        var readBack = times[ReadBackName].Min();
        var ours = times["interpositive offload (1 dest)"].Min();
        Console.WriteLine(FormattableString.Invariant(
            $"read-back from the drive alone (the check cp -r lacks): {readBack:0.000} s = {readBack / cp:0.00} × cp -r = {100 * readBack / ours:0}% of our 1-dest time; cp -r + sync + read-back, one after the other: {(times["cp -r + sync (1 dest)"].Min() + readBack) / cp:0.00} × cp -r"));
        Directory.Delete(dir, recursive: true);
        return 0;
    }

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

    private static async Task TimeOursAsync(Dictionary<string, List<double>> times, string name, string card, string[] destinations, string d1, string d2, CancellationToken cancellationToken, LinuxFileSystem? fs = null, int? chunkSize = null)
    {
        await ResetAsync(d1, d2, cancellationToken);
        var engine = new OffloadEngine(fs ?? LinuxFileSystem.Instance, catalog: null, TimeProvider.System);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var request = new OffloadRequest(card, destinations);
        var result = await engine.RunAsync(chunkSize is { } size ? request with { ChunkSize = size } : request, null, cancellationToken);
        var seconds = watch.Elapsed.TotalSeconds;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        if (result.Failure != OffloadFailureKind.None)
        {
            throw new InvalidOperationException($"{name}: {result.Error}");
        }

        Add(times, name, seconds);
        Console.WriteLine(FormattableString.Invariant($"    re-read {result.ReReadMode}; CPU {cpu.TotalSeconds:0.000} s; busy seconds per stage (summed over threads, they overlap):"));
        Console.WriteLine("    " + string.Join("  ", result.Stages.Where(s => s.Count > 0).Select(s => FormattableString.Invariant($"{s.Stage} {s.Seconds:0.000}"))));
    }

    private const string ReadBackName = "read-back of a flushed copy (O_DIRECT)";

    /// <summary>Reads every file of a copy that cp -r + sync left on the drive, with O_DIRECT, 4 reads of 4 MiB in flight (as our re-read does).</summary>
    private static async Task TimeReadBackAsync(Dictionary<string, List<double>> times, string copy, CancellationToken cancellationToken)
    {
        const int Block = 4 << 20;
        var buffers = Enumerable.Range(0, 4).Select(_ => new AlignedBuffer(Block)).ToList();
        try
        {
            var files = Directory.EnumerateFiles(copy, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
            var watch = Stopwatch.StartNew();
            foreach (var file in files)
            {
                using var reader = LinuxFileSystem.Direct.OpenForVerification(file, out _);
                var length = reader.Length;
                for (long offset = 0; offset < length; offset += (long)Block * buffers.Count)
                {
                    var reads = new List<Task<int>>();
                    for (var i = 0; i < buffers.Count && offset + ((long)i * Block) < length; i++)
                    {
                        reads.Add(reader.ReadAsync(buffers[i].Memory, offset + ((long)i * Block), cancellationToken).AsTask());
                    }

                    await Task.WhenAll(reads);
                }
            }

            Add(times, ReadBackName, watch.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var buffer in buffers)
            {
                ((IDisposable)buffer).Dispose();
            }
        }
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
