using System.Text;
using InterPositive.Formats.AscMhl;
using InterPositive.Testing;
using InterPositive.Testing.Media;

namespace InterPositive.Host.Tests;

/// <summary>
/// Malformed text files through the real CLI verbs that read them (<c>clips --cdl</c> for ASC CDL, <c>verify</c> for ASC
/// MHL manifests and the chain): exit 3 and one line naming the file and the field or line. No verb reads ALE.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MalformedTextCliTests : IDisposable
{
    private readonly TempFolder _temp = new("ip-malformed-text");

    public void Dispose() => _temp.Dispose();

    /// <summary>The verb's error is one line naming the file and field (the log's own ERR line may precede it).</summary>
    private static void AssertOneLine(string stderr, string verb, string file, string field)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines, l => l.StartsWith($"interpositive {verb}: error: ", StringComparison.Ordinal));
        Assert.Contains(file, line, StringComparison.Ordinal);
        Assert.Contains(field, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("xxe.ccc", "<?xml version=\"1.0\"?>\n<!DOCTYPE ColorCorrectionCollection [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<ColorCorrectionCollection>&x;</ColorCorrectionCollection>", "DOCTYPE")]
    [InlineData("slope.cc", "<ColorCorrection id=\"A001C001\">\n<SOPNode>\n<Slope>1e999 1 1</Slope>\n</SOPNode>\n</ColorCorrection>", "Slope (line 3)")]
    public async Task Clips_cdl_with_a_malformed_file_exits_3_naming_the_file_and_field(string name, string text, string field)
    {
        var paths = CardBuilder.ArriMov(_temp.Combine("card"), clips: 1);
        var cdl = _temp.Combine(name);
        await File.WriteAllTextAsync(cdl, text);

        var run = await Cli.RunAsync(["clips", Path.GetDirectoryName(paths[0])!, "--cdl", cdl, "--data", _temp.Combine("data")]);
        Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}: {run.Stderr}");
        AssertOneLine(run.Stderr, "clips", cdl, field);
        Assert.DoesNotContain("root:", run.Stderr, StringComparison.Ordinal);
    }

    private string CopyScenario()
    {
        var from = ReferenceData.Path("ascmhl", "scenarios", "scenario_03", "file_server", "A002R2EC");
        var to = _temp.Combine("A002R2EC");
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return to;
    }

    [Fact]
    public async Task Verify_with_a_chain_generation_out_of_range_exits_3_naming_the_chain_and_field()
    {
        var card = CopyScenario();
        var chain = Path.Combine(card, MhlNames.FolderName, MhlNames.ChainFileName);
        await File.WriteAllTextAsync(chain, (await File.ReadAllTextAsync(chain)).Replace("sequencenr=\"2\"", "sequencenr=\"-2\"", StringComparison.Ordinal));

        var run = await Cli.RunAsync(["verify", card, "--data", _temp.Combine("data")]);
        Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}: {run.Stderr}");
        AssertOneLine(run.Stderr, "verify", chain, "hashlist@sequencenr");
    }

    [Fact]
    public async Task Verify_with_a_manifest_nested_100000_deep_exits_3_naming_the_manifest_and_line()
    {
        var card = CopyScenario();
        var manifest = Directory.GetFiles(Path.Combine(card, MhlNames.FolderName), "0002_*.mhl").Single();
        var text = await File.ReadAllTextAsync(manifest);
        var deep = new StringBuilder().Insert(0, "<a>", 100_000).Insert(300_000, "</a>", 100_000).ToString();
        await File.WriteAllTextAsync(manifest, text.Replace("<hostname>", "<hostname>" + deep, StringComparison.Ordinal));

        var run = await Cli.RunAsync(["verify", card, "--data", _temp.Combine("data")]);
        Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}: {run.Stderr}");
        AssertOneLine(run.Stderr, "verify", manifest, "nested deeper than 64");
    }
}
