using System.Text;
using CsCheck;
using InterPositive.Formats.AscMhl;

namespace InterPositive.Formats.Tests.AscMhl;

[Trait("Category", "Unit")]
public sealed class HashFormatTests
{
    [Theory]
    [InlineData(MhlHashFormat.Md5, "9db0fc9f30f5ee70041a7538809e2858")]
    [InlineData(MhlHashFormat.Sha1, "7b57673ac5633937a55b59009ad0c57ee08188b7")]
    [InlineData(MhlHashFormat.Xxh64, "584b2ea1974f2b7c")]
    [InlineData(MhlHashFormat.Xxh3, "6d4cbd75905c81aa")]
    [InlineData(MhlHashFormat.Xxh128, "61a67c014f703a456ee7a776fd8c06bd")]
    public void Media_hash_list_vectors(MhlHashFormat format, string expected) =>
        Assert.Equal(expected, MhlHasher.HashData(format, "media-hash-list"u8));

    [Theory]
    [InlineData("abcd\n", "0ea03b369a463d9d")]
    [InlineData("def\n", "7680e5f98f4a80fd")]
    public void Xxh64_of_the_scenario_clips(string content, string expected) =>
        Assert.Equal(expected, MhlHasher.HashData(MhlHashFormat.Xxh64, Encoding.ASCII.GetBytes(content)));

    [Fact]
    public void C4_is_90_characters_of_the_base58_alphabet()
    {
        var id = MhlHasher.HashData(MhlHashFormat.C4, "media-hash-list"u8);
        Assert.Equal(90, id.Length);
        Assert.StartsWith("c4", id, StringComparison.Ordinal);
        Assert.DoesNotContain('0', id[2..]);
        Assert.DoesNotContain('O', id);
        Assert.DoesNotContain('I', id);
        Assert.DoesNotContain('l', id);
    }

    [Fact]
    public void C4_of_a_reference_generation_matches_its_chain()
    {
        var folder = InterPositive.Testing.ReferenceData.Path("ascmhl", "scenarios", "scenario_02", "file_server", "A002R2EC", "ascmhl");
        using var chainFile = File.OpenRead(Path.Combine(folder, "ascmhl_chain.xml"));
        var chain = MhlReader.ReadChain(chainFile, "ascmhl_chain.xml");
        Assert.Equal(2, chain.Count);
        foreach (var entry in chain)
        {
            Assert.Equal(entry.C4, C4Id.Of(File.ReadAllBytes(Path.Combine(folder, entry.Path))));
        }
    }

    [Fact]
    public void C4_of_an_all_zero_digest_is_padded_with_ones()
    {
        var id = C4Id.FromDigest(new byte[64]);
        Assert.Equal("c4" + new string('1', 88), id);
    }

    [Fact]
    public void C4_decodes_to_its_digest() =>
        Gen.Byte.Array[64].Sample(digest =>
        {
            var id = C4Id.FromDigest(digest);
            var back = new byte[64];
            return id.Length == 90 && C4Id.TryDecode(id, back) && back.AsSpan().SequenceEqual(digest);
        }, iter: 300);

    [Theory]
    [InlineData("xxh64", MhlHashFormat.Xxh64)]
    [InlineData("XXH64BE", MhlHashFormat.Xxh64)]
    [InlineData("xxh3", MhlHashFormat.Xxh3)]
    [InlineData("xxh128", MhlHashFormat.Xxh128)]
    [InlineData("md5", MhlHashFormat.Md5)]
    [InlineData("sha1", MhlHashFormat.Sha1)]
    [InlineData("c4", MhlHashFormat.C4)]
    public void Format_names_parse(string name, MhlHashFormat expected)
    {
        Assert.True(MhlHashFormats.TryParse(name, out var format));
        Assert.Equal(expected, format);
    }

    [Theory]
    [InlineData(MhlHashFormat.Xxh64, "584b2ea1974f2b7")]
    [InlineData(MhlHashFormat.Xxh64, "584b2ea1974f2b7g")]
    [InlineData(MhlHashFormat.Md5, "584b2ea1974f2b7c")]
    [InlineData(MhlHashFormat.C4, "c5" + "1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111")]
    [InlineData(MhlHashFormat.C4, "c4" + "0111111111111111111111111111111111111111111111111111111111111111111111111111111111111111")]
    public void Malformed_hash_strings_are_rejected(MhlHashFormat format, string text) =>
        Assert.False(HashStrings.IsValid(format, text));

    [Fact]
    public void Incremental_hashing_matches_one_shot_for_any_split() =>
        Gen.Select(Gen.Byte.Array[0, 4096], Gen.Int[0, 4096], Gen.Int[0, 5].Select(i => (MhlHashFormat)i)).Sample((data, cut, format) =>
        {
            cut = Math.Min(cut, data.Length);
            using var hasher = new MhlHasher(format);
            hasher.Append(data.AsSpan(0, cut));
            hasher.Append(data.AsSpan(cut));
            return hasher.FinishString() == MhlHasher.HashData(format, data);
        }, iter: 200);
}
