namespace InterPositive.Testing;

/// <summary>Finds the repository root and the reference data in <c>../shared/data</c> beside it.</summary>
public static class SharedData
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>The folder holding InterPositive.sln.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>A path under <c>../shared/data</c>.</summary>
    public static string Path(params string[] parts) =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine([RepositoryRoot, "..", "shared", "data", .. parts]));

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
