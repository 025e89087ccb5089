using InterPositive.Testing;

namespace InterPositive.Formats.Tests.Repository;

/// <summary>A clone must pass alone: the reference data lives in tests/data and nothing points outside the repository.</summary>
[Trait("Category", "Unit")]
public sealed class ReferenceDataTests
{
    // Text the repository is made of; build outputs, git's own files and a service's data folder are not ours.
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal) { ".git", "bin", "obj", "TestResults", "BenchmarkDotNet.Artifacts", ".artifacts" };

    private static readonly HashSet<string> TextExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".cs", ".csproj", ".props", ".targets", ".sln", ".sh", ".md", ".json", ".xml", ".yml", ".yaml", ".conf", ".acl",
        ".service", ".rules", ".txt", ".html", ".js", ".css", ".editorconfig", ".gitignore", "",
    };

    [Fact]
    public void Reference_data_resolves_inside_the_repository()
    {
        var repository = ReferenceData.RepositoryRoot + Path.DirectorySeparatorChar;
        Assert.StartsWith(repository, ReferenceData.Folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        var files = Directory.EnumerateFileSystemEntries(ReferenceData.Folder, "*", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(files);
        foreach (var entry in files)
        {
            var info = new FileInfo(entry);
            Assert.True(info.LinkTarget is null, $"{entry} is a link to {info.LinkTarget}: reference data is copied in, never linked");
            Assert.StartsWith(repository, Path.GetFullPath(entry), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("..", "..", "shared", "data", "ale")]
    [InlineData("..")]
    [InlineData("ale", "..", "..", "InterPositive.Testing")]
    [InlineData("/etc/passwd")]
    public void A_path_that_would_leave_tests_data_is_refused(params string[] parts)
    {
        var error = Assert.Throws<ArgumentException>(() => ReferenceData.Path(parts));
        Assert.Contains("outside tests/data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_reference_folder_names_its_source_and_keeps_its_licence()
    {
        foreach (var folder in Directory.EnumerateDirectories(ReferenceData.Folder))
        {
            var readme = Path.Combine(folder, "README.md");
            Assert.True(File.Exists(readme), $"{folder} has no README.md naming its source");
            Assert.Matches(@"commit\s+[0-9a-f]{7,40}", File.ReadAllText(readme));
            Assert.True(Directory.EnumerateFiles(folder, "LICENSE*").Any(), $"{folder} has no licence file from its source");
        }
    }

    [Fact]
    public void No_file_in_the_repository_points_at_a_folder_beside_it()
    {
        var offenders = new List<string>();
        Walk(new DirectoryInfo(ReferenceData.RepositoryRoot), offenders);
        Assert.True(offenders.Count == 0, "files that reach outside the repository: " + string.Join(", ", offenders));
    }

    private static void Walk(DirectoryInfo folder, List<string> offenders)
    {
        foreach (var file in folder.EnumerateFiles())
        {
            if (!TextExtensions.Contains(file.Extension) || file.Length > 4 << 20 || file.LinkTarget is not null)
            {
                continue;
            }

            var text = File.ReadAllText(file.FullName);
            // Built from parts so that this file does not match itself.
            foreach (var needle in new[] { string.Join('/', "..", "shared"), string.Join('\\', "..", "shared") })
            {
                if (text.Contains(needle, StringComparison.Ordinal))
                {
                    offenders.Add(Path.GetRelativePath(ReferenceData.RepositoryRoot, file.FullName));
                }
            }
        }

        foreach (var child in folder.EnumerateDirectories())
        {
            var isServiceData = child.Name == "data" && child.Parent?.FullName == ReferenceData.RepositoryRoot;
            if (child.LinkTarget is null && !SkippedFolders.Contains(child.Name) && !isServiceData)
            {
                Walk(child, offenders);
            }
        }
    }
}
