using System.Globalization;
using System.Text;
using System.Threading.Channels;
using InterPositive.Catalog;
using InterPositive.Formats.AscMhl;
using InterPositive.Offload.Engine;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Offload;

/// <summary>A failure that stops an offload before it starts (a missing destination, a destination inside the card).</summary>
public sealed class OffloadException(OffloadFailureKind kind, string message) : Exception(message)
{
    public OffloadFailureKind Kind { get; } = kind;
}

/// <summary>
/// Verified card offload, in four steps: plan (<see cref="OffloadPlanner"/>: the request, the card, its history, each
/// destination's folder, what to resume), copy (<see cref="FanOutReader"/>: the card read once, handed to a
/// <see cref="DestinationWriter"/> per destination and a hasher per format), verify (<see cref="CopyVerifier"/>:
/// each copy re-read from its drive behind its writer, renamed only once it matched), seal
/// (<see cref="HistorySealer"/>: an ASC MHL generation into every verified copy). <see cref="OffloadJournal"/> records
/// it all in the catalog as it goes, so a stopped or killed run resumes.
/// </summary>
public sealed class OffloadEngine(IOffloadFileSystem fs, CatalogDatabase? catalog, TimeProvider time)
{
    /// <summary>
    /// Thread-pool threads an offload keeps busy at once: the file system calls (pread, pwrite, fdatasync,
    /// sync_file_range) block a pool thread each, and on a small box the pool would otherwise grow one thread at a time
    /// while the stages wait on each other. The host sets the pool's minimum once from this (never the library).
    /// </summary>
    public static int ThreadsNeeded(int destinations, int hashFormats) =>
        Environment.ProcessorCount + (CopyVerifier.Parallelism * destinations * 2) + (SmallFileBatcher.InFlight * (destinations + 1)) + hashFormats + 4;

    /// <summary>
    /// Raises the pool's minimum to what an offload of up to 4 destinations and 3 hash formats keeps busy. For a
    /// process to call once at start (the host, and the benchmark so it times what the appliance runs); the engine
    /// never calls it.
    /// </summary>
    public static void ReserveThreads()
    {
        ThreadPool.GetMinThreads(out var workers, out var completion);
        ThreadPool.SetMinThreads(Math.Max(workers, ThreadsNeeded(destinations: 4, hashFormats: 3)), completion);
    }

    public async Task<OffloadResult> RunAsync(OffloadRequest request, IProgress<OffloadProgress>? progress, CancellationToken cancellationToken)
    {
        var run = await PrepareAsync(request, progress, cancellationToken);
        try
        {
            var journal = new OffloadJournal(catalog, run);
            run.DestinationBroken = journal.RecordCard;
            journal.RecordStart();
            try
            {
                await CopyAndVerifyAsync(run, journal);

                // A stop that came while the last files verified still stops the run: no history is sealed.
                cancellationToken.ThrowIfCancellationRequested();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                journal.RecordInterrupted();
                throw;
            }

            var sealer = new HistorySealer(run);
            sealer.CheckCompleteness();
            var sealing = run.Clock.Start();
            await sealer.SealAsync();
            run.Clock.Stop(OffloadStage.Seal, sealing);
            var status = run.Finish();
            var safe = journal.RecordFinish(status);
            return run.ToResult(status, safe);
        }
        finally
        {
            foreach (var destination in run.Destinations)
            {
                destination.Dispose();
            }
        }
    }

    /// <summary>The card id: its name plus a short hash of its file list (paths and sizes), stable across resumes.</summary>
    public static string CardIdFor(string name, CardScan scan)
    {
        var list = new StringBuilder();
        foreach (var file in scan.MediaFiles.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            list.Append(file.Path).Append('\0').Append(file.Size.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return name + "-" + MhlHasher.HashData(MhlHashFormat.Xxh64, Encoding.UTF8.GetBytes(list.ToString()))[..8];
    }

    internal static OffloadFailureKind Worse(OffloadFailureKind a, OffloadFailureKind b) => Rank(a) >= Rank(b) ? a : b;

    private static int Rank(OffloadFailureKind kind) => kind switch
    {
        OffloadFailureKind.Environment => 3,
        OffloadFailureKind.BadInput => 2,
        OffloadFailureKind.CheckFailed => 1,
        _ => 0,
    };

    private async Task<OffloadRun> PrepareAsync(OffloadRequest request, IProgress<OffloadProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = time.GetTimestamp();
        var run = await OffloadPlanner.PrepareAsync(request, fs, time, progress, cancellationToken);
        run.Clock.Stop(OffloadStage.Prepare, clock);
        return run;
    }

    private static async Task CopyAndVerifyAsync(OffloadRun run, OffloadJournal journal)
    {
        // Bounded: the card is never read far ahead of verification (each file in flight holds a writer per destination).
        var verifications = Channel.CreateBounded<PendingFile>(new BoundedChannelOptions(CopyVerifier.Parallelism) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
        using var verifier = new CopyVerifier(run, journal);
        var verifying = verifier.RunAsync(verifications.Reader);
        using var reader = new FanOutReader(run);
        using var batcher = new SmallFileBatcher(run, journal);
        try
        {
            run.Report(null);
            foreach (var file in run.Scan.Files)
            {
                run.CancellationToken.ThrowIfCancellationRequested();
                if (run.Destinations.All(d => d.Broken))
                {
                    break;
                }

                var small = batcher.Accepts(file);
                var pending = OffloadPlanner.PlanFile(run, journal, file, openWriters: !small);
                if (small)
                {
                    if (SmallFileBatcher.CanBatch(pending))
                    {
                        await batcher.AddAsync(pending);
                        continue;
                    }

                    OffloadPlanner.OpenWriters(run, pending);
                }

                try
                {
                    // The verifier takes the file before its copy starts and follows the writers step by step.
                    await verifications.Writer.WriteAsync(pending, run.CancellationToken);
                    await reader.CopyAsync(pending);
                }
                finally
                {
                    pending.Finish(null, $"{Path.Combine(run.Source, file.Path)}: interrupted before it was copied", OffloadFailureKind.Environment);
                }
            }
        }
        finally
        {
            // Every batch gathered is read and verified (or, after a stop, reported interrupted) before the end.
            await batcher.CompleteAsync();
            verifications.Writer.TryComplete();
            await verifying;
            journal.FlushFiles();
        }
    }
}
