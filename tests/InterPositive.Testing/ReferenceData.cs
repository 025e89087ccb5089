namespace InterPositive.Testing;

/// <summary>
/// The repository root and the reference data in <c>tests/data</c> (public files from the projects that define the
/// formats; <c>tests/data/README.md</c> names each source). A clone must pass alone, so no path may leave the repository.
/// </summary>
public static class ReferenceData
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>The folder holding InterPositive.sln.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>The folder holding the reference data: <c>tests/data</c>.</summary>
    public static string Folder => System.IO.Path.Combine(RepositoryRoot, "tests", "data");

    /// <summary>A path under <c>tests/data</c>; one that would resolve outside it is refused.</summary>
    public static string Path(params string[] parts)
    {
        var folder = Folder;
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine([folder, .. parts]));
        if (!path.StartsWith(folder + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"reference data path {string.Join('/', parts)} resolves outside tests/data: {path}", nameof(parts));
        }

        return path;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "InterPositive.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"InterPositive.sln not found above {AppContext.BaseDirectory}");
    }
}
