using System.Diagnostics;
using InterPositive.Formats.AscMhl;

namespace InterPositive.Benchmarks;

/// <summary>
/// Where no drive limits (tmpfs), a verified copy is bound by the CPU: it must read the card, write each copy, read
/// each copy back and hash the card's bytes once plus each read-back once, while <c>cp -r</c> reads and writes once,
/// unhashed. This measures each of those operations alone, on one thread, on this machine in the same run, and adds
/// them up: the CPU-seconds no verified copy can go below, spread over every core at best. An idealised bound (no
/// loss between threads); what a real two-thread program reaches is OffloadBenchmark.Reference.cs.
/// </summary>
public sealed partial class OffloadBenchmark
{
    private const string Floor1 = "CPU floor, 1 dest (read + write + read-back + 2 hashes, all cores)";
    private const string Floor2 = "CPU floor, 2 dests (read + 2 writes + 2 read-backs + 3 hashes, all cores)";

    private static async Task CpuFloorAsync(Dictionary<string, List<double>> times, string card, string d1, string d2, CancellationToken cancellationToken)
    {
        await ResetAsync(d1, d2, cancellationToken);
        var files = Directory.GetFiles(card, "*", SearchOption.AllDirectories);
        var buffer = GC.AllocateUninitializedArray<byte>(4 << 20, pinned: true);
        var copy = Path.Combine(d1, "floor.bin");
        double read = double.MaxValue, write = double.MaxValue, readBack = double.MaxValue, hash = double.MaxValue;

        // Best of three: each is a lower bound, and noise only adds.
        for (var run = 0; run < 3; run++)
        {
            File.Delete(copy);
            var thisRead = Cpu(() => Each(files, buffer, _ => { }));
            read = Math.Min(read, thisRead);
            using (var output = new FileStream(copy, FileMode.Create, FileAccess.Write, FileShare.None, 0))
            {
                // The pass reads the card again to have bytes to write: its read, measured just before, is not the write's.
                write = Math.Min(write, Cpu(() => Each(files, buffer, chunk => output.Write(chunk))) - thisRead);
            }

            readBack = Math.Min(readBack, Cpu(() => Each([copy], buffer, _ => { })));
            using var hasher = new MhlHasher(MhlHashFormat.Xxh64);
            var hashing = new Stopwatch();
            Each([copy], buffer, chunk =>
            {
                hashing.Start();
                hasher.Append(chunk);
                hashing.Stop();
            });
            _ = hasher.FinishString();
            hash = Math.Min(hash, hashing.Elapsed.TotalSeconds);
        }

        File.Delete(copy);
        var cores = Environment.ProcessorCount;
        var one = read + write + readBack + (2 * hash);
        var two = read + (2 * write) + (2 * readBack) + (3 * hash);
        Console.WriteLine(FormattableString.Invariant(
            $"CPU per pass over the card, one thread: read {read:0.000} s, write {write:0.000} s, read-back {readBack:0.000} s, xxh64 {hash:0.000} s; verified copy: 1 dest {one:0.000} CPU-s, 2 dests {two:0.000} CPU-s, over {cores} cores"));
        Add(times, Floor1, one / cores);
        Add(times, Floor2, two / cores);
    }

    private static double Cpu(Action work)
    {
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        work();
        return (Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds;
    }

    private static void Each(IEnumerable<string> files, byte[] buffer, Action<ReadOnlySpan<byte>> use)
    {
        foreach (var file in files)
        {
            using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 0);
            int read;
            while ((read = input.Read(buffer)) > 0)
            {
                use(buffer.AsSpan(0, read));
            }
        }
    }
}
