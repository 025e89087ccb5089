using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;

namespace InterPositive.Benchmarks;

/// <summary>
/// The least a real program does for a verified copy, run on this machine in the same run: the simplest two-thread
/// verified copy we could write, with nothing of ours in it (no plan, journal, MHL, progress, link checks or
/// fault handling). One thread reads the card and writes each copy; the other hashes what was read and reads each
/// copy back into its own hash, a few chunks behind; every copy's hash is compared with the card's at the end of each
/// file. Of the splits tried in a prototype (one thread doing it all; the reading thread also reading the first copy
/// back) this one was fastest for one and for two copies. Where the CPU floor (OffloadBenchmark.CpuFloor.cs) adds up
/// passes measured alone and assumes every core is used without loss, this is what two threads really reach.
/// </summary>
public sealed partial class OffloadBenchmark
{
    private const string Reference1 = "minimal verified copy, 1 dest (reference, 2 threads)";
    private const string Reference2 = "minimal verified copy, 2 dests (reference, 2 threads)";

    /// <summary>4 MiB chunks, four in flight: within what a core's cache and the page cache handle well.</summary>
    private const int ReferenceChunk = 4 << 20;

    private sealed record ReferenceChunkWork(ReferenceFile File, byte[] Buffer, int Length, long Offset, bool Last);

    private sealed class ReferenceFile(string path, SafeFileHandle[] copies) : IDisposable
    {
        public string Path => path;

        public SafeFileHandle[] Copies => copies;

        public XxHash64 Card { get; } = new();

        public XxHash64[] ReadBack { get; } = copies.Select(_ => new XxHash64()).ToArray();

        public void Dispose()
        {
            foreach (var copy in copies)
            {
                copy.Dispose();
            }
        }
    }

    private static async Task TimeReferenceAsync(Dictionary<string, List<double>> times, string name, string card, string[] destinations, string d1, string d2, CancellationToken cancellationToken)
    {
        await ResetAsync(d1, d2, cancellationToken);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        MinimalVerifiedCopy(card, destinations);
        Add(times, name, watch.Elapsed.TotalSeconds);
        Console.WriteLine(FormattableString.Invariant($"    CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:0.000} s"));
    }

    private static void MinimalVerifiedCopy(string card, string[] destinations)
    {
        const int InFlight = 4;
        using var free = new BlockingCollection<byte[]>(InFlight);
        using var read = new BlockingCollection<ReferenceChunkWork>(InFlight);
        for (var i = 0; i < InFlight; i++)
        {
            free.Add(GC.AllocateUninitializedArray<byte>(ReferenceChunk, pinned: true));
        }

        Exception? failure = null;
        var checker = new Thread(() =>
        {
            var back = GC.AllocateUninitializedArray<byte>(ReferenceChunk, pinned: true);
            try
            {
                foreach (var work in read.GetConsumingEnumerable())
                {
                    work.File.Card.Append(work.Buffer.AsSpan(0, work.Length));
                    free.Add(work.Buffer);
                    for (var d = 0; d < work.File.Copies.Length; d++)
                    {
                        var got = RandomAccess.Read(work.File.Copies[d], back.AsSpan(0, work.Length), work.Offset);
                        work.File.ReadBack[d].Append(back.AsSpan(0, got));
                    }

                    if (work.Last)
                    {
                        var expected = work.File.Card.GetCurrentHashAsUInt64();
                        if (work.File.ReadBack.Any(h => h.GetCurrentHashAsUInt64() != expected))
                        {
                            throw new InvalidOperationException($"{work.File.Path}: a copy does not match the card");
                        }

                        work.File.Dispose();
                    }
                }
            }
            catch (Exception error) when (error is IOException or InvalidOperationException)
            {
                failure = error;
                foreach (var work in read.GetConsumingEnumerable())
                {
                    free.Add(work.Buffer);
                }
            }
        });
        checker.Start();

        try
        {
            var root = Path.GetDirectoryName(card)!;
            foreach (var source in Directory.GetFiles(card, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, source);
                var copies = destinations.Select(d =>
                {
                    var target = Path.Combine(d, relative);
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    return File.OpenHandle(target, FileMode.CreateNew, FileAccess.ReadWrite);
                }).ToArray();
                var file = new ReferenceFile(relative, copies);
                using var input = File.OpenHandle(source);
                var length = RandomAccess.GetLength(input);
                long offset = 0;
                var got = 0;
                do
                {
                    var buffer = free.Take();
                    got = RandomAccess.Read(input, buffer, offset);
                    foreach (var copy in copies)
                    {
                        RandomAccess.Write(copy, buffer.AsSpan(0, got), offset);
                    }

                    offset += got;
                    read.Add(new ReferenceChunkWork(file, buffer, got, offset - got, Last: got == 0 || offset >= length));
                }
                while (offset < length && got > 0);
            }
        }
        finally
        {
            read.CompleteAdding();
            checker.Join();
        }

        if (failure is not null)
        {
            throw new InvalidOperationException("minimal verified copy failed", failure);
        }
    }
}
