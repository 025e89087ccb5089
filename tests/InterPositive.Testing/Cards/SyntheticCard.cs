namespace InterPositive.Testing.Cards;

/// <summary>
/// Builds a camera card on disk for offload tests: files with seeded pseudo-random content (so every run is the same),
/// fixed modification times, empty folders, sparse large clips, links.
/// </summary>
public sealed class SyntheticCard
{
    /// <summary>The modification time every file gets unless told otherwise (a shooting day, whole seconds).</summary>
    public static readonly DateTimeOffset ShootingDay = new(2026, 11, 24, 14, 10, 24, TimeSpan.Zero);

    public SyntheticCard(string root)
    {
        Root = root;
        Directory.CreateDirectory(root);
    }

    public string Root { get; }

    public string PathOf(string relative) => System.IO.Path.Combine(Root, relative);

    /// <summary>Adds a file of <paramref name="size"/> seeded bytes.</summary>
    public SyntheticCard File(string relative, int size, int seed = 1, DateTimeOffset? modified = null)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return File(relative, bytes, modified);
    }

    public SyntheticCard File(string relative, byte[] content, DateTimeOffset? modified = null)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, content);
        System.IO.File.SetLastWriteTimeUtc(path, (modified ?? ShootingDay).UtcDateTime);
        return this;
    }

    /// <summary>A sparse file: the length is set, nothing is written (quick even for several GiB); a few bytes at the end make it not all zeros.</summary>
    public SyntheticCard SparseFile(string relative, long length, DateTimeOffset? modified = null)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write))
        {
            stream.SetLength(length);
            stream.Position = length - 8;
            stream.Write("ENDCLIP\n"u8);
        }

        System.IO.File.SetLastWriteTimeUtc(path, (modified ?? ShootingDay).UtcDateTime);
        return this;
    }

    public SyntheticCard Folder(string relative, DateTimeOffset? modified = null)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(path);
        Directory.SetLastWriteTimeUtc(path, (modified ?? ShootingDay).UtcDateTime);
        return this;
    }

    public SyntheticCard Link(string relative, string target)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.CreateSymbolicLink(path, target);
        return this;
    }

    /// <summary>A card laid out like an ARRI/ProRes mag: Clips with a few clips, a sidecar, some small metadata files.</summary>
    public static SyntheticCard Typical(string root, int clips = 3, int clipSize = 300_000, int smallFiles = 8)
    {
        var card = new SyntheticCard(root);
        for (var i = 0; i < clips; i++)
        {
            card.File(FormattableString.Invariant($"Clips/A002C{i + 6:D3}_141024_R2EC.mov"), clipSize + i, seed: 100 + i);
        }

        for (var i = 0; i < smallFiles; i++)
        {
            card.File(FormattableString.Invariant($"Metadata/A002C{i + 6:D3}.xml"), 200 + (i * 37), seed: 500 + i);
        }

        card.File("Sidecar.txt", "camera A, reel A002, 24 fps\n"u8.ToArray());
        return card;
    }

    /// <summary>Sets every folder's modification time (after the files were written, which changed them).</summary>
    public SyntheticCard SealFolderTimes()
    {
        foreach (var directory in Directory.EnumerateDirectories(Root, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length))
        {
            Directory.SetLastWriteTimeUtc(directory, ShootingDay.UtcDateTime);
        }

        Directory.SetLastWriteTimeUtc(Root, ShootingDay.UtcDateTime);
        return this;
    }
}
