using InterPositive.Catalog;

namespace InterPositive.Offload.Engine;

/// <summary>How one destination's copy of one file ended.</summary>
internal enum CopyOutcome
{
    /// <summary>Written, read back from the drive, matched and renamed to its final name.</summary>
    Verified,

    /// <summary>A file of that name was already there (no record of ours) and read back equal to the card's.</summary>
    MatchedExisting,

    /// <summary>Verified by an earlier run and unchanged on both sides: nothing read or written.</summary>
    Resumed,

    Failed,
}

/// <summary>The outcome of one file on one destination, with the reason when it failed.</summary>
internal sealed record FileOutcome(DestinationWork Work, CopyOutcome Outcome, string? Error = null, OffloadFailureKind Failure = OffloadFailureKind.None)
{
    public bool Failed => Outcome == CopyOutcome.Failed;

    public static FileOutcome Fail(DestinationWork work, string? error, OffloadFailureKind failure) => new(work, CopyOutcome.Failed, error, failure);
}

internal static class CopyOutcomes
{
    /// <summary>The status string of the result and the JSON output (the contract the CLI and the API show).</summary>
    public static string Name(this CopyOutcome outcome) => outcome switch
    {
        CopyOutcome.Verified => CardStatus.Verified,
        CopyOutcome.MatchedExisting => "matched-existing",
        CopyOutcome.Resumed => "resumed",
        _ => CardStatus.Failed,
    };
}
