namespace InterPositive.Formats.AscMhl;

/// <summary>The <c>action</c> of a hash entry: how this generation came by the hash.</summary>
public static class MhlActions
{
    public const string Original = "original";
    public const string Verified = "verified";
    public const string Failed = "failed";
}

/// <summary>The <c>process</c> of a generation.</summary>
public static class MhlProcesses
{
    public const string InPlace = "in-place";
    public const string Transfer = "transfer";
    public const string Flatten = "flatten";
}

/// <summary>One hash of a file in one format, with what this generation did with it.</summary>
public sealed record MhlHashValue(MhlHashFormat Format, string Value, string? Action, DateTimeOffset? HashDate);

/// <summary>A directory's content and structure hash in one format.</summary>
public sealed record MhlDirectoryHashValue(MhlHashFormat Format, string Content, string Structure, DateTimeOffset? HashDate);

/// <summary>An entry of <c>hashes</c>: a file (<c>hash</c>) or a directory (<c>directoryhash</c>), path relative to the history root.</summary>
public abstract record MhlEntry(string Path, DateTimeOffset? LastModified);

/// <summary>A file's hashes (<c>hash</c> element).</summary>
public sealed record MhlFileHash(string Path, long Size, DateTimeOffset? LastModified, IReadOnlyList<MhlHashValue> Hashes, string? PreviousPath = null)
    : MhlEntry(Path, LastModified);

/// <summary>A directory's hashes (<c>directoryhash</c> element).</summary>
public sealed record MhlDirectoryHash(string Path, DateTimeOffset? LastModified, IReadOnlyList<MhlDirectoryHashValue> Hashes)
    : MhlEntry(Path, LastModified);

/// <summary>Who wrote a generation (<c>creatorinfo</c>).</summary>
public sealed record MhlCreatorInfo(
    DateTimeOffset CreationDate,
    string HostName,
    string ToolName,
    string? ToolVersion,
    string? Author = null,
    string? Location = null,
    string? Comment = null);

/// <summary>What a generation did (<c>processinfo</c>): the process, the root hash and the ignore patterns.</summary>
public sealed record MhlProcessInfo(string Process, IReadOnlyList<MhlDirectoryHashValue> RootHash, IReadOnlyList<string> IgnorePatterns);

/// <summary>A reference to a child history's generation (<c>hashlistreference</c>).</summary>
public sealed record MhlReference(string Path, string C4);

/// <summary>One ASC MHL v2 generation (a <c>.mhl</c> file).</summary>
public sealed record MhlManifest(MhlCreatorInfo Creator, MhlProcessInfo Process, IReadOnlyList<MhlEntry> Entries, IReadOnlyList<MhlReference> References)
{
    /// <summary>The ignore patterns the reference implementation writes by default; the ascmhl folder is never hashed.</summary>
    public static IReadOnlyList<string> DefaultIgnorePatterns { get; } = [".DS_Store", "ascmhl", "ascmhl/"];

    public IEnumerable<MhlFileHash> Files => Entries.OfType<MhlFileHash>();

    public IEnumerable<MhlDirectoryHash> Directories => Entries.OfType<MhlDirectoryHash>();
}

/// <summary>One line of <c>ascmhl_chain.xml</c>: a generation's file name and its C4 id.</summary>
public sealed record MhlChainEntry(int Generation, string Path, string C4);

/// <summary>Generation file names: <c>NNNN_&lt;folder&gt;_&lt;YYYY-MM-DD_HHMMSSZ&gt;.mhl</c>.</summary>
public static class MhlNames
{
    public const string FolderName = "ascmhl";
    public const string ChainFileName = "ascmhl_chain.xml";

    public static string GenerationFileName(int generation, string folderName, DateTimeOffset created) =>
        FormattableString.Invariant($"{generation:D4}_{folderName}_{created.UtcDateTime:yyyy-MM-dd_HHmmss}Z.mhl");

    /// <summary>The generation number a manifest file name starts with, or null.</summary>
    public static int? GenerationOf(string fileName)
    {
        var name = System.IO.Path.GetFileName(fileName);
        return name.Length > 5 && name[4] == '_' && int.TryParse(name.AsSpan(0, 4), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : null;
    }
}
