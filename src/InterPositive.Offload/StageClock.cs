namespace InterPositive.Offload;

/// <summary>
/// Busy time of one stage of an offload, summed over every thread that did it: stages run side by side, so the
/// seconds add up to more than the wall time; their share of it shows where an offload waits.
/// </summary>
public sealed record OffloadStageTime(string Stage, double Seconds, long Count, long Bytes);

/// <summary>The stages an offload's time is split into (see <see cref="StageClock"/>).</summary>
internal enum OffloadStage
{
    /// <summary>Scanning the card, loading its history, making the copies' folders.</summary>
    Prepare,

    /// <summary>Reading the card (each byte once, for every destination).</summary>
    SourceRead,

    /// <summary>The card reader waiting for a writer or hasher to take a buffer (a slow consumer shows here).</summary>
    HandOff,

    /// <summary>Writing the copies (into the page cache; writeback runs behind).</summary>
    Write,

    /// <summary>The in-flight hashes of the card's bytes.</summary>
    Hash,

    /// <summary>Writing each verify step of a copy out to the drive before it is read back (sync_file_range, waited for).</summary>
    WriteOut,

    /// <summary>fdatasync of each whole copy before its rename: the drive holds its data and size.</summary>
    Flush,

    /// <summary>Reading the flushed copies back from the drive.</summary>
    ReRead,

    /// <summary>Hashing the bytes read back.</summary>
    ReReadHash,

    /// <summary>Setting modification times and renaming verified copies to their final names.</summary>
    Rename,

    /// <summary>Catalog transactions (file records in batches, card and job state).</summary>
    Catalog,

    /// <summary>Folder flushes, links, the ASC MHL generation and chain, folder times.</summary>
    Seal,
}

/// <summary>Thread-safe per-stage accumulators of busy time, operations and bytes.</summary>
internal sealed class StageClock(TimeProvider time)
{
    private static readonly OffloadStage[] Stages = Enum.GetValues<OffloadStage>();
    private readonly long[] _ticks = new long[Stages.Length];
    private readonly long[] _counts = new long[Stages.Length];
    private readonly long[] _bytes = new long[Stages.Length];

    public long Start() => time.GetTimestamp();

    /// <summary>Adds the time since <paramref name="started"/> (from <see cref="Start"/>) to a stage.</summary>
    public void Stop(OffloadStage stage, long started, long bytes = 0)
    {
        var elapsed = time.GetElapsedTime(started).Ticks;
        Interlocked.Add(ref _ticks[(int)stage], elapsed);
        Interlocked.Increment(ref _counts[(int)stage]);
        Interlocked.Add(ref _bytes[(int)stage], bytes);
    }

    public IReadOnlyList<OffloadStageTime> Snapshot() =>
        [.. Stages.Select(s => new OffloadStageTime(
            Name(s),
            Math.Round(TimeSpan.FromTicks(Interlocked.Read(ref _ticks[(int)s])).TotalSeconds, 4),
            Interlocked.Read(ref _counts[(int)s]),
            Interlocked.Read(ref _bytes[(int)s])))];

    private static string Name(OffloadStage stage) => stage switch
    {
        OffloadStage.SourceRead => "source-read",
        OffloadStage.HandOff => "hand-off",
        OffloadStage.WriteOut => "write-out",
        OffloadStage.ReRead => "re-read",
        OffloadStage.ReReadHash => "re-read-hash",
        _ => stage.ToString().ToLowerInvariant(),
    };
}
