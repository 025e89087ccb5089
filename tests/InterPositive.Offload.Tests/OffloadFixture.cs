using InterPositive.Catalog;
using InterPositive.Formats.AscMhl;
using InterPositive.Offload.FileSystem;
using InterPositive.Testing;
using Microsoft.Extensions.Time.Testing;

namespace InterPositive.Offload.Tests;

/// <summary>A temp folder with a card, destination drives and a catalog, and helpers to offload and look at the result.</summary>
public sealed class OffloadFixture : IDisposable
{
    private readonly TempFolder _temp = new("ip-offload");

    static OffloadFixture()
    {
        // As the host does once at start: the offload's blocking file calls each hold a pool thread.
        ThreadPool.GetMinThreads(out var workers, out var completion);
        ThreadPool.SetMinThreads(Math.Max(workers, OffloadEngine.ThreadsNeeded(destinations: 2, hashFormats: 3)), completion);
    }

    public OffloadFixture()
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 9, 30, 0, TimeSpan.Zero));
        Catalog = CatalogDatabase.Open(_temp.Combine("data", "interpositive.db"), Time);
        Directory.CreateDirectory(Drive1);
        Directory.CreateDirectory(Drive2);
    }

    public FakeTimeProvider Time { get; }

    public CatalogDatabase Catalog { get; }

    public FaultInjectingFileSystem Fs { get; } = new();

    public string Drive1 => _temp.Combine("drive1");

    public string Drive2 => _temp.Combine("drive2");

    public string CardRoot(string name = "A002R2EC") => _temp.Combine("card", name);

    public string Combine(params string[] parts) => _temp.Combine(parts);

    public Task<OffloadResult> OffloadAsync(string source, IReadOnlyList<string> destinations, IReadOnlyList<MhlHashFormat>? formats = null, IOffloadFileSystem? fs = null, CancellationToken cancellationToken = default) =>
        new OffloadEngine(fs ?? Fs, Catalog, Time).RunAsync(
            new OffloadRequest(source, destinations) { HashFormats = formats ?? [MhlHashFormat.Xxh64], HostName = "dit-cart", ChunkSize = 64 * 1024 },
            null,
            cancellationToken);

    public Task<VerifyReport> VerifyAsync(string path) => new HistoryVerifier(LinuxFileSystem.Instance, Time).VerifyAsync(path, null, CancellationToken.None);

    public static byte[] Bytes(string path) => File.ReadAllBytes(path);

    public static string Text(string path) => File.ReadAllText(path);

    public static void Write(string path, string text) => File.WriteAllText(path, text);

    /// <summary>Relative paths and bytes of every regular file under a folder, the ascmhl folders excluded.</summary>
    public static SortedDictionary<string, byte[]> Contents(string root)
    {
        var result = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*", TempFolder.NoLinks))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (relative.Split('/').Contains("ascmhl") || new FileInfo(file).LinkTarget is not null)
            {
                continue;
            }

            result[relative] = File.ReadAllBytes(file);
        }

        return result;
    }

    /// <summary>Files under a final name that do not match the card's bytes (must always be empty), and leftover partials.</summary>
    public static List<string> PartialOrWrong(string cardRoot, string copyRoot)
    {
        var problems = new List<string>();
        if (!Directory.Exists(copyRoot))
        {
            return problems;
        }

        foreach (var (path, bytes) in Contents(copyRoot))
        {
            if (path.EndsWith(CardScan.PartialSuffix, StringComparison.Ordinal))
            {
                continue;
            }

            var source = Path.Combine(cardRoot, path);
            if (!File.Exists(source) || !File.ReadAllBytes(source).AsSpan().SequenceEqual(bytes))
            {
                problems.Add(path);
            }
        }

        return problems;
    }

    public void Dispose()
    {
        Catalog.Dispose();
        _temp.Dispose();
    }
}
