using LiteDB;

namespace InterPositive.Catalog.Offload;

/// <summary>
/// One file of a card in one destination: its source identity (size, mtime), its hashes, and whether the copy
/// was re-read from the drive and matched. A resumed offload skips files whose record says verified and whose
/// source and destination still look the same.
/// </summary>
public sealed class OffloadFileRecord
{
    /// <summary><c>cardId|destinationRoot|relativePath</c>.</summary>
    [BsonId]
    public string Id { get; set; } = "";

    public string CardId { get; set; } = "";

    /// <summary>The destination copy's root (<c>DIR/NAME</c>).</summary>
    public string Destination { get; set; } = "";

    /// <summary>Path relative to the card root, '/' separated.</summary>
    public string Path { get; set; } = "";

    public long Size { get; set; }

    /// <summary>The source file's modification time when it was copied.</summary>
    public DateTimeOffset LastModified { get; set; }

    /// <summary>Hash strings by ASC MHL format name (xxh64, md5, c4, ...), of the source bytes.</summary>
    public Dictionary<string, string> Hashes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>verified or failed.</summary>
    public string Status { get; set; } = "";

    public string? Error { get; set; }

    /// <summary>How the verification re-read reached the drive (fadvise, o_direct, page-cache).</summary>
    public string? ReReadMode { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public static string MakeId(string cardId, string destination, string path) => $"{cardId}|{destination}|{path}";
}

/// <summary>One run of <c>interpositive offload</c>.</summary>
public sealed class OffloadJobDocument
{
    [BsonId]
    public string Id { get; set; } = "";

    public string CardId { get; set; } = "";

    public string Source { get; set; } = "";

    public List<string> Destinations { get; set; } = [];

    public List<string> HashFormats { get; set; } = [];

    /// <summary>running, verified, failed, interrupted (stopped; a rerun resumes).</summary>
    public string Status { get; set; } = "";

    public int FilesCopied { get; set; }

    public int FilesSkipped { get; set; }

    public long BytesRead { get; set; }

    public string? ReReadMode { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }
}
