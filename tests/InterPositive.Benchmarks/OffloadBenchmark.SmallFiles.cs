using InterPositive.Offload;

namespace InterPositive.Benchmarks;

/// <summary>
/// The small-files card: thousands of 4–64 KiB files (frames of an image sequence, sidecars) and a few large clips,
/// where per-file costs (open, flush, re-read setup, hand-offs) dominate, not bandwidth. Ours with small files
/// batched against ours with every file alone (batching off), and the baselines in the same run: on disk,
/// <c>cp -r</c> + <c>sync</c> + a cold read-back of every copy (pages dropped with fadvise, then read; no hash), the
/// least a copy that is read back from the drive costs; on tmpfs, <c>cp -r</c>.
/// </summary>
public sealed partial class OffloadBenchmark
{
    private const string SmallFloor1 = "cp -r + sync + cold read-back (1 dest)";
    private const string SmallFloor2 = "cp -r + sync + cold read-back (2 dests)";
    private const string Cp2 = "cp -r (2 dests)";
    private const string Batched1 = "offload, small files batched (1 dest)";
    private const string Batched2 = "offload, small files batched (2 dests)";
    private const string Alone1 = "offload, every file alone (1 dest)";
    private const string Alone2 = "offload, every file alone (2 dests)";

    // Drops each file's clean pages (after the sync) and reads it back from the drive, as a verifier must.
    private const string ReadBackScript = """
        import os, sys
        for top in sys.argv[1:]:
            for folder, _, names in os.walk(top):
                for name in names:
                    fd = os.open(os.path.join(folder, name), os.O_RDONLY)
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                    while os.read(fd, 1 << 20):
                        pass
                    os.close(fd)
        """;

    private static async Task SmallFilesAsync(string? dir, string? shm, int files, int runs, CancellationToken cancellationToken)
    {
        var disk = dir is null ? null : await SmallSuiteAsync("disk, small files", dir, files, runs, tmpfs: false, cancellationToken);
        var memory = shm is null ? null : await SmallSuiteAsync("tmpfs, small files", shm, files, runs, tmpfs: true, cancellationToken);
        Console.WriteLine();
        foreach (var (ours, floor) in disk is null ? [] : new[] { (Batched1, SmallFloor1), (Alone1, SmallFloor1), (Batched2, SmallFloor2), (Alone2, SmallFloor2) })
        {
            Ratio(disk!, ours, floor, null);
        }

        if (memory is not null)
        {
            foreach (var (ours, floor, target) in new[] { (Batched1, Cp, 1.3), (Alone1, Cp, 1.3), (Batched2, Cp, 2.0), (Alone2, Cp, 2.0) })
            {
                Ratio(memory, ours, floor, target);
            }
        }

        Console.WriteLine($"load average at the end: {await LoadAsync(cancellationToken)}");
    }

    private static async Task<Dictionary<string, List<double>>> SmallSuiteAsync(string label, string dir, int files, int runs, bool tmpfs, CancellationToken cancellationToken)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        var card = Path.Combine(dir, "card", "A002R1AB");
        var total = MakeSmallCard(card, files);
        var script = Path.Combine(dir, "readback.py");
        await File.WriteAllTextAsync(script, ReadBackScript, cancellationToken);
        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant($"{label}: card {total / 1e6:0.0} MB, {files} files of 4-64 KiB + 3 clips of 24 MiB, in {dir}; load {await LoadAsync(cancellationToken)}"));
        await ShAsync($"cat $(find '{card}' -type f) > /dev/null; sync", cancellationToken);

        var d1 = Path.Combine(dir, "d1");
        var d2 = Path.Combine(dir, "d2");
        var name = Path.GetFileName(card);
        var times = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        static OffloadRequest Alone(OffloadRequest r) => r with { SmallFileLimit = 0 };
        try
        {
            for (var run = 0; run < runs; run++)
            {
                await TimeAsync(times, Cp, $"cp -r '{card}' '{d1}/'", d1, d2, cancellationToken);
                await TimeAsync(times, Cp2, $"cp -r '{card}' '{d1}/' && cp -r '{card}' '{d2}/'", d1, d2, cancellationToken);
                if (!tmpfs)
                {
                    await TimeAsync(times, SmallFloor1, $"cp -r '{card}' '{d1}/' && sync && python3 '{script}' '{d1}/{name}'", d1, d2, cancellationToken);
                    await TimeAsync(times, SmallFloor2, $"cp -r '{card}' '{d1}/' && cp -r '{card}' '{d2}/' && sync && python3 '{script}' '{d1}/{name}' '{d2}/{name}'", d1, d2, cancellationToken);
                }

                await TimeOursAsync(times, Batched1, card, [d1], d1, d2, cancellationToken);
                await TimeOursAsync(times, Alone1, card, [d1], d1, d2, cancellationToken, tweak: Alone);
                await TimeOursAsync(times, Batched2, card, [d1, d2], d1, d2, cancellationToken);
                await TimeOursAsync(times, Alone2, card, [d1, d2], d1, d2, cancellationToken, tweak: Alone);
            }

            PrintBest(label, times, "files/s", best => (files + 3) / best, "0");

            return times;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Frames of two image sequences and sidecars (sizes 4–64 KiB, fixed seed), and three 24 MiB clips.</summary>
    private static long MakeSmallCard(string card, int files)
    {
        var random = new Random(11);
        var block = new byte[24 << 20];
        random.NextBytes(block);
        long total = 0;
        Directory.CreateDirectory(Path.Combine(card, "Clips"));
        for (var i = 0; i < 3; i++)
        {
            BitConverter.TryWriteBytes(block, i);
            File.WriteAllBytes(Path.Combine(card, "Clips", FormattableString.Invariant($"A002C00{i + 1}.mov")), block);
            total += block.Length;
        }

        for (var i = 0; i < files; i++)
        {
            // Frames in folders of 1,000, as a sequence is laid out; every fifth file a sidecar.
            var folder = i % 5 == 4 ? "Metadata" : FormattableString.Invariant($"Frames/A002C{i / 1000 + 1:D3}");
            var file = i % 5 == 4 ? FormattableString.Invariant($"A002_{i:D5}.xml") : FormattableString.Invariant($"A002.{i:D7}.dpx");
            Directory.CreateDirectory(Path.Combine(card, folder));
            var size = random.Next(4 << 10, (64 << 10) + 1);
            BitConverter.TryWriteBytes(block.AsSpan(size % 4096), i);
            File.WriteAllBytes(Path.Combine(card, folder, file), block.AsSpan(size % 4096, size).ToArray());
            total += size;
        }

        return total;
    }
}
