using LiteDB;

namespace InterPositive.Catalog;

/// <summary>
/// A camera card (or any source folder) that was offloaded: identity, what camera it came from, and its
/// offload state per destination. "Safe to format" is true only when every destination is verified.
/// </summary>
public sealed class CardDocument
{
    /// <summary>Stable id: the card's volume/reel name plus a short hash of its file list.</summary>
    [BsonId]
    public string Id { get; set; } = "";

    /// <summary>The NAME given to the offload (defaults to the source folder's name).</summary>
    public string Name { get; set; } = "";

    public string SourcePath { get; set; } = "";

    /// <summary>Camera family recognised from the card layout (arri, red, sony, blackmagic, canon, generic), when known.</summary>
    public string? CameraFamily { get; set; }

    /// <summary>pending, copying, verified, failed, interrupted.</summary>
    public string Status { get; set; } = CardStatus.Pending;

    public int FileCount { get; set; }

    public long TotalBytes { get; set; }

    public List<CardDestination> Destinations { get; set; } = [];

    /// <summary>The ASC MHL generation number this offload wrote (the same in every destination).</summary>
    public int? MhlGeneration { get; set; }

    /// <summary>When the card carried an ASC MHL history: verified or failed (the card no longer matches it); null when it had none.</summary>
    public string? HistoryCheck { get; set; }

    /// <summary>Why the card's ASC MHL history could not be read (the media was still copied; HistoryCheck is failed).</summary>
    public string? HistoryError { get; set; }

    /// <summary>The symbolic links found on the card: recorded, recreated in the copies only when they resolve inside the card.</summary>
    public List<CardSymlink> Symlinks { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>
    /// True only when there is at least one destination, every one of them is verified, and the card matched its own
    /// ASC MHL history when it had one (a mismatch wants a human look before the card is wiped).
    /// </summary>
    public bool SafeToFormat => Destinations.Count > 0
        && Destinations.TrueForAll(d => d.Status == CardStatus.Verified)
        && HistoryCheck is null or CardStatus.Verified;
}

/// <summary>A symbolic link on a card, as written on it, and whether its target resolves inside the card.</summary>
public sealed class CardSymlink
{
    public string Path { get; set; } = "";

    public string Target { get; set; } = "";

    public bool InsideCard { get; set; }
}

/// <summary>One destination copy of a card.</summary>
public sealed class CardDestination
{
    /// <summary>The copy's root folder (<c>DIR/NAME</c>).</summary>
    public string Path { get; set; } = "";

    /// <summary>pending, copying, verified, failed.</summary>
    public string Status { get; set; } = CardStatus.Pending;

    public int FilesVerified { get; set; }

    public long BytesVerified { get; set; }

    /// <summary>The ASC MHL generation written into this copy, when one was.</summary>
    public string? MhlManifest { get; set; }

    /// <summary>Why the destination failed, one line, when it did.</summary>
    public string? Error { get; set; }

    /// <summary>The card's links this copy could not hold (its file system makes none, as exFAT); their targets are copied.</summary>
    public List<string> LinksLeftOut { get; set; } = [];
}

/// <summary>The states a card and each of its destinations go through.</summary>
public static class CardStatus
{
    public const string Pending = "pending";
    public const string Copying = "copying";
    public const string Verified = "verified";
    public const string Failed = "failed";

    /// <summary>
    /// The offload was stopped (Ctrl-C, service shutdown: marked by the engine) or died (marked at the service's next
    /// start) before it finished; offloading the card again resumes it.
    /// </summary>
    public const string Interrupted = "interrupted";
}
