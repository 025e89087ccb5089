using System.Threading.Channels;
using InterPositive.Formats.AscMhl;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Offload.Engine;

/// <summary>What a run does with one file on one destination (decided by <see cref="OffloadPlanner"/>).</summary>
internal enum CopyPlan
{
    /// <summary>Nothing under the final name: write a copy under a temporary name and verify it.</summary>
    Write,

    /// <summary>A file of that name with no record of ours: read it back and compare, never overwrite.</summary>
    CompareExisting,

    /// <summary>Verified by an earlier run and unchanged on both sides.</summary>
    Resumed,

    /// <summary>The destination is broken.</summary>
    Unavailable,
}

/// <summary>One file's copy to one destination.</summary>
internal sealed record DestinationWork(OffloadDestination Destination, CopyPlan Plan, string RelativePath, IOffloadWriter? Writer = null)
{
    /// <summary>How the copy is written (<see cref="WriteModes"/>); an O_DIRECT copy is re-read with O_DIRECT too.</summary>
    public string WriteMode { get; init; } = WriteModes.Buffered;

    /// <summary>Why this copy's writes failed, if they did (the destination is broken from then on).</summary>
    public string? WriteError { get; set; }

    public string FinalPath => Path.Combine(Destination.Root, RelativePath);

    /// <summary>The temporary name beside the final one, relative to the destination root.</summary>
    public string TempRelative => OffloadPlanner.TempName(RelativePath);

    public string TempPath => Path.Combine(Destination.Root, TempRelative);

    /// <summary>How far the copy is written (posted by its writer at each verify step and at the end); completed when the writer is done.</summary>
    public Channel<long> Written { get; } = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
}

/// <summary>
/// A file on its way: handed to the verifier before its copy starts (it follows the writers), completed with the
/// card's hashes or the source error when the read of the card ends.
/// </summary>
internal sealed class PendingFile(CardFile file, List<DestinationWork> work)
{
    private readonly TaskCompletionSource _copied = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CardFile File { get; } = file;

    public List<DestinationWork> Work { get; } = work;

    public IReadOnlyDictionary<MhlHashFormat, string>? Hashes { get; private set; }

    public string? SourceError { get; private set; }

    public OffloadFailureKind SourceFailure { get; private set; }

    /// <summary>Completes when the card's bytes of this file were read (or failed to be); never faults.</summary>
    public Task Copied => _copied.Task;

    public void Finish(IReadOnlyDictionary<MhlHashFormat, string>? hashes, string? error, OffloadFailureKind failure)
    {
        if (_copied.Task.IsCompleted)
        {
            return;
        }

        Hashes = hashes;
        SourceError = error;
        SourceFailure = failure;
        _copied.TrySetResult();
        foreach (var work in Work)
        {
            work.Written.Writer.TryComplete();
        }
    }
}
