using System.Text;
using CsCheck;
using InterPositive.Formats.AscMhl;
using InterPositive.Testing;
using InterPositive.Testing.Cards;

namespace InterPositive.Formats.Tests.AscMhl;

[Trait("Category", "Unit")]
public sealed class ManifestTests
{
    public static TheoryData<string> ReferenceManifests()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(ReferenceData.Path("ascmhl", "scenarios"), "*.mhl", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(ReferenceData.Path("ascmhl", "scenarios"), file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ReferenceManifests))]
    public void Every_reference_manifest_reads_and_rewrites_to_a_valid_equal_manifest(string relative)
    {
        var path = ReferenceData.Path("ascmhl", "scenarios", relative);
        var manifest = MhlReader.Read(File.ReadAllBytes(path), path);
        Assert.NotEmpty(manifest.Entries);
        Assert.All(manifest.Files, f => Assert.NotEmpty(f.Hashes));

        var bytes = MhlWriter.ToBytes(manifest);
        using var stream = new MemoryStream(bytes);
        Assert.Empty(AscMhlSchema.Validate(stream));
        var again = MhlReader.Read(bytes, "rewritten");
        Assert.Equal(manifest.Creator, again.Creator);
        Assert.Equal(manifest.Process.Process, again.Process.Process);
        Assert.Equal(manifest.Process.RootHash, again.Process.RootHash);
        Assert.Equal(manifest.Process.IgnorePatterns, again.Process.IgnorePatterns);
        Assert.Equal(manifest.Entries.Count, again.Entries.Count);
        for (var i = 0; i < manifest.Entries.Count; i++)
        {
            switch ((manifest.Entries[i], again.Entries[i]))
            {
                case (MhlFileHash a, MhlFileHash b):
                    Assert.Equal(a.Path, b.Path);
                    Assert.Equal(a.Size, b.Size);
                    Assert.Equal(a.LastModified, b.LastModified);
                    Assert.Equal(a.Hashes, b.Hashes);
                    break;
                case (MhlDirectoryHash a, MhlDirectoryHash b):
                    Assert.Equal(a.Path, b.Path);
                    Assert.Equal(a.Hashes, b.Hashes);
                    break;
                default:
                    Assert.Fail($"entry {i} changed kind");
                    break;
            }
        }

        Assert.Equal(manifest.References, again.References);
    }

    [Fact]
    public void The_reference_manifests_validate_as_they_are()
    {
        foreach (var folder in Directory.EnumerateDirectories(ReferenceData.Path("ascmhl", "scenarios")))
        {
            Assert.Empty(AscMhlSchema.ValidateAll(folder));
        }
    }

    [Fact]
    public void Scenario_05_reels_manifest_references_both_cards()
    {
        var path = ReferenceData.Path("ascmhl", "scenarios", "scenario_05", "file_server", "Reels", "ascmhl", "0001_Reels_2020-01-17_143000Z.mhl");
        var manifest = MhlReader.Read(File.ReadAllBytes(path), path);
        Assert.Equal(2, manifest.References.Count);
        Assert.Equal("A002R2EC/ascmhl/0002_A002R2EC_2020-01-17_143000Z.mhl", manifest.References[0].Path);
        Assert.Equal(2, manifest.Directories.Count());
        Assert.Equal("0ac48e431d4538ba", Assert.Single(manifest.Files).Hashes[0].Value);
    }

    [Fact]
    public void A_written_chain_validates_and_reads_back()
    {
        var chain = new[] { new MhlChainEntry(2, "0002_A_2026-11-24_141024Z.mhl", C4Id.Of("two"u8)), new MhlChainEntry(1, "0001_A_2026-11-23_101010Z.mhl", C4Id.Of("one"u8)) };
        var bytes = MhlWriter.ChainToBytes(chain);
        using (var stream = new MemoryStream(bytes))
        {
            Assert.Empty(AscMhlSchema.Validate(stream));
        }

        using var again = new MemoryStream(bytes);
        Assert.Equal(chain.OrderBy(c => c.Generation), MhlReader.ReadChain(again, "chain"));
    }

    [Fact]
    public void Generation_file_names_follow_the_spec()
    {
        Assert.Equal("0003_A002R2EC_2026-11-24_141024Z.mhl", MhlNames.GenerationFileName(3, "A002R2EC", new DateTimeOffset(2026, 11, 24, 15, 10, 24, TimeSpan.FromHours(1))));
        Assert.Equal(12, MhlNames.GenerationOf("0012_X_2026-11-24_141024Z.mhl"));
        Assert.Null(MhlNames.GenerationOf("ascmhl_chain.xml"));
    }

    [Theory]
    [InlineData("not xml at all", "not well-formed")]
    [InlineData("<other/>", "not an ASC MHL")]
    [InlineData("<hashlist version=\"2.0\" xmlns=\"urn:ASC:MHL:v2.0\"><processinfo/></hashlist>", "creatorinfo")]
    [InlineData("<hashlist version=\"1.1\" xmlns=\"urn:ASC:MHL:v2.0\"/>", "version 1.1")]
    public void Malformed_manifests_name_the_problem(string xml, string expected)
    {
        var error = Assert.Throws<MalformedInputException>(() => MhlReader.Read(Encoding.UTF8.GetBytes(xml), "card.mhl"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("card.mhl", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<path size=\"x\">a.mov</path><xxh64>0ea03b369a463d9d</xxh64>", "hash/path@size")]
    [InlineData("<path size=\"5\">a.mov</path><xxh64>zzz</xxh64>", "hash/xxh64")]
    [InlineData("<path size=\"5\">../a.mov</path><xxh64>0ea03b369a463d9d</xxh64>", "path")]
    [InlineData("<path size=\"5\" lastmodificationdate=\"yesterday\">a.mov</path>", "lastmodificationdate")]
    public void Malformed_hash_entries_name_the_field(string hashBody, string field)
    {
        var xml = "<hashlist version=\"2.0\" xmlns=\"urn:ASC:MHL:v2.0\"><creatorinfo><creationdate>2020-01-16T09:15:00+00:00</creationdate><hostname>h</hostname><tool>t</tool></creatorinfo>"
            + "<processinfo><process>in-place</process></processinfo><hashes><hash>" + hashBody + "</hash></hashes></hashlist>";
        var error = Assert.Throws<MalformedInputException>(() => MhlReader.Read(Encoding.UTF8.GetBytes(xml), "x.mhl"));
        Assert.Contains(field, error.Field ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_chains_name_the_problem()
    {
        using var bad = new MemoryStream("<ascmhldirectory xmlns=\"urn:ASC:MHL:DIRECTORY:v2.0\"><hashlist sequencenr=\"x\"><path>a</path></hashlist></ascmhldirectory>"u8.ToArray());
        Assert.Contains("sequencenr", Assert.Throws<MalformedInputException>(() => MhlReader.ReadChain(bad, "chain")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mutated_manifests_fail_only_with_MalformedInputException()
    {
        var original = File.ReadAllBytes(ReferenceData.Path("ascmhl", "scenarios", "scenario_03", "file_server", "A002R2EC", "ascmhl", "0002_A002R2EC_2020-01-17_143000Z.mhl"));
        Gen.Select(Gen.Int[0, original.Length - 1], Gen.Byte, Gen.Int[0, original.Length]).Sample((position, value, cut) =>
        {
            var mutated = original.ToArray();
            mutated[position] = value;
            try
            {
                MhlReader.Read(mutated.AsSpan(0, Math.Max(cut, position + 1)), "fuzz.mhl");
            }
            catch (MalformedInputException)
            {
            }
        }, iter: 400);
    }

    [Fact]
    public void Random_bytes_fail_only_with_MalformedInputException() =>
        Gen.Byte.Array[0, 512].Sample(bytes =>
        {
            try
            {
                MhlReader.Read(bytes, "fuzz.mhl");
            }
            catch (MalformedInputException)
            {
            }

            try
            {
                using var stream = new MemoryStream(bytes);
                MhlReader.ReadChain(stream, "fuzz.xml");
            }
            catch (MalformedInputException)
            {
            }
        }, iter: 300);
}
