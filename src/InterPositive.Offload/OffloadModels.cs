using InterPositive.Formats.AscMhl;

namespace InterPositive.Offload;

/// <summary>What to offload where. Destinations are parent folders: the copy lands in <c>DIR/NAME</c>.</summary>
public sealed record OffloadRequest(string Source, IReadOnlyList<string> Destinations)
{
    /// <summary>Hash formats computed in flight; the first is the one recorded as primary. Default xxh64.</summary>
    public IReadOnlyList<MhlHashFormat> HashFormats { get; init; } = [MhlHashFormat.Xxh64];

    /// <summary>The card's name (the folder created in each destination); default: the source folder's name.</summary>
    public string? Name { get; init; }

    public string HostName { get; init; } = System.Environment.MachineName;

    public string? Author { get; init; }

    public string? Location { get; init; }

    public string? Comment { get; init; }

    /// <summary>
    /// Size of the pooled buffers the source is read in (and the copies re-read in). Large, because every chunk is
    /// handed between threads (reader, writers, hashers) and on a busy box each hand-off waits for a core: against
    /// 4 MiB, 16 MiB measured 10 % faster to two destinations and the same to one (best of 3, loaded 2-core box;
    /// offload benchmark --chunk-mib 4).
    /// </summary>
    public int ChunkSize { get; init; } = 16 << 20;

    /// <summary>Buffers each writer and hasher may have queued (bounds memory: chunk × depth × stages).</summary>
    public int QueueDepth { get; init; } = 4;

    /// <summary>
    /// A copy is flushed and re-read from the drive in steps of this many bytes while the rest of it is still being
    /// written, so a large clip's verification runs behind its copy instead of after it.
    /// </summary>
    public long VerifyStep { get; init; } = 64L << 20;

    /// <summary>
    /// Files below this size (and below <see cref="ChunkSize"/>) are copied in batches (read into one buffer, handed
    /// over once, flushed and re-read together) instead of each taking its own trip through the pipeline; 0 sends
    /// every file through it alone.
    /// </summary>
    public long SmallFileLimit { get; init; } = 4L << 20;

    /// <summary>The most card bytes (and files) one batch of small files holds.</summary>
    public int BatchBytes { get; init; } = 16 << 20;

    /// <inheritdoc cref="BatchBytes"/>
    public int BatchFiles { get; init; } = 256;
}

/// <summary>
/// Progress of an offload: the card's bytes read (the total is the card, once, however many destinations), files
/// done, and apart from that each destination's verification re-read from its drive (a second pass that is real work:
/// without it a bar would sit at 100% while the copies verify). Rate and ETA are over the run so far.
/// </summary>
public sealed record OffloadProgress(long BytesDone, long BytesTotal, int FilesDone, int FilesTotal, string? CurrentFile)
{
    /// <summary>Each destination's verification re-read: bytes read back from its drive, of the card's total.</summary>
    public IReadOnlyList<OffloadDestinationProgress> Verify { get; init; } = [];

    /// <summary>Card bytes read per second since the run started.</summary>
    public double BytesPerSecond { get; init; }

    /// <summary>Seconds left until every copy is verified (the card's read and the slowest re-read); null before any work.</summary>
    public double? EtaSeconds { get; init; }

    public double ElapsedSeconds { get; init; }
}

/// <summary>One destination's verification progress.</summary>
public sealed record OffloadDestinationProgress(string Path, long BytesReRead, long BytesTotal);

/// <summary>Why an offload did not fully succeed; the CLI maps it to its exit code.</summary>
public enum OffloadFailureKind
{
    None = 0,

    /// <summary>A check failed: hash mismatch, a name present with other content, a card that no longer matches its history.</summary>
    CheckFailed = 1,

    /// <summary>The source could not be read, or changed while it was copied.</summary>
    BadInput = 3,

    /// <summary>A destination was missing, full, read-only or went away.</summary>
    Environment = 4,
}

/// <summary>One file of the card, its hashes and how each destination fared.</summary>
public sealed record OffloadFileResult(
    string Path,
    long Size,
    IReadOnlyDictionary<string, string> Hashes,
    string Status,
    IReadOnlyDictionary<string, string> Destinations,
    string? HistoryCheck,
    string? Error);

/// <summary>One destination copy: its root (<c>DIR/NAME</c>), its state and the ASC MHL generation written there.</summary>
public sealed record OffloadDestinationResult(string Path, string Status, int FilesVerified, long BytesVerified, string? MhlManifest, string? ReReadMode, string? Error)
{
    /// <summary>How the copies were written: o_direct, buffered, or buffered-fallback where the file system refused O_DIRECT.</summary>
    public string WriteMode { get; init; } = "none";

    /// <summary>The card's links this copy does not hold because its file system has none (exFAT, FAT); their targets are copied.</summary>
    public IReadOnlyList<string> LinksLeftOut { get; init; } = [];
}

/// <summary>A symbolic link found on the card: recorded, recreated when it stays inside the card, never followed.</summary>
public sealed record OffloadSymlink(string Path, string Target, bool InsideCard);

/// <summary>The outcome of an offload.</summary>
public sealed record OffloadResult(
    string CardId,
    string Name,
    string Source,
    string Status,
    bool SafeToFormat,
    int Files,
    long Bytes,
    long BytesRead,
    int FilesCopied,
    int FilesResumed,
    double Seconds,
    string ReReadMode,
    IReadOnlyList<string> HashFormats,
    int? MhlGeneration,
    string? HistoryCheck,
    IReadOnlyList<string> HistoryMissing,
    IReadOnlyList<OffloadDestinationResult> Destinations,
    IReadOnlyList<OffloadFileResult> FileResults,
    IReadOnlyList<OffloadSymlink> Symlinks,
    OffloadFailureKind Failure,
    string? Error)
{
    /// <summary>Busy seconds per stage of the run (read, write, hash, flush, re-read, ...), for profiling and --verbose logs.</summary>
    public IReadOnlyList<OffloadStageTime> Stages { get; init; } = [];

    /// <summary>Why the card's own ASC MHL history could not be read; the media was copied and verified all the same.</summary>
    public string? HistoryError { get; init; }

    /// <summary>The verified destination roots, for the steps that read the copies next (clip metadata).</summary>
    public IEnumerable<string> VerifiedRoots => Destinations.Where(d => d.Status == "verified").Select(d => d.Path);
}
