using InterPositive.Formats.AscMhl;

namespace InterPositive.Formats.Tests.AscMhl;

/// <summary>Directory hashes against what the reference implementation wrote in the shared scenarios.</summary>
[Trait("Category", "Unit")]
public sealed class DirectoryHashTests
{
    [Fact]
    public void Clips_folder_and_root_of_scenario_01_in_xxh64()
    {
        var clips = new DirectoryHashContext(MhlHashFormat.Xxh64);
        clips.AddFile("A002C006_141024_R2EC.mov", "0ea03b369a463d9d");
        clips.AddFile("A002C007_141024_R2EC.mov", "7680e5f98f4a80fd");
        Assert.Equal("4c226b42e27d7af3", clips.ContentHash());
        Assert.Equal("906faa843d591a9f", clips.StructureHash());

        var root = new DirectoryHashContext(MhlHashFormat.Xxh64);
        root.AddDirectory("Clips", clips.ContentHash(), clips.StructureHash());
        root.AddFile("Sidecar.txt", "3ab5a4166b9bde44");
        Assert.Equal("8d02114c32e28cbe", root.ContentHash());
        Assert.Equal("f557f8ca8e5a88ef", root.StructureHash());
    }

    [Fact]
    public void Clips_folder_and_root_of_scenario_03_in_md5()
    {
        var clips = new DirectoryHashContext(MhlHashFormat.Md5);
        clips.AddFile("A002C006_141024_R2EC.mov", "f5ac8127b3b6b85cdc13f237c6005d80");
        clips.AddFile("A002C007_141024_R2EC.mov", "614dd0e977becb4c6f7fa99e64549b12");
        Assert.Equal("202a2d71b56b080d9b089c1f4f29a4ba", clips.ContentHash());
        Assert.Equal("4a739024fd19d928e9dea6bb5c480200", clips.StructureHash());

        var root = new DirectoryHashContext(MhlHashFormat.Md5);
        root.AddDirectory("Clips", clips.ContentHash(), clips.StructureHash());
        root.AddFile("Sidecar.txt", "6425c5a180ca0f420dd2b25be4536a91");
        Assert.Equal("6fae2da9bc6dca45486cb91bfea6db70", root.ContentHash());
        Assert.Equal("be1f2eaed208efbed061845a64cacdfa", root.StructureHash());
    }

    [Fact]
    public void Nested_reels_root_of_scenario_05()
    {
        var root = new DirectoryHashContext(MhlHashFormat.Xxh64);
        root.AddDirectory("A002R2EC", "8d02114c32e28cbe", "f557f8ca8e5a88ef");
        root.AddDirectory("A003R2EC", "7a82373c131cf40a", "1131a950fcc55e4b");
        root.AddFile("Summary.txt", "0ac48e431d4538ba");
        Assert.Equal("92950bc8fda076ec", root.ContentHash());
        Assert.Equal("2c2ce52605558158", root.StructureHash());
    }

    [Fact]
    public void Child_order_does_not_matter_but_names_do()
    {
        var a = new DirectoryHashContext(MhlHashFormat.Xxh64);
        a.AddFile("b", "7680e5f98f4a80fd");
        a.AddFile("a", "0ea03b369a463d9d");
        var b = new DirectoryHashContext(MhlHashFormat.Xxh64);
        b.AddFile("a", "0ea03b369a463d9d");
        b.AddFile("b", "7680e5f98f4a80fd");
        var renamed = new DirectoryHashContext(MhlHashFormat.Xxh64);
        renamed.AddFile("a2", "0ea03b369a463d9d");
        renamed.AddFile("b", "7680e5f98f4a80fd");
        Assert.Equal(a.ContentHash(), b.ContentHash());
        Assert.Equal(a.StructureHash(), b.StructureHash());
        Assert.Equal(a.ContentHash(), renamed.ContentHash());
        Assert.NotEqual(a.StructureHash(), renamed.StructureHash());
    }

    [Fact]
    public void An_empty_folder_hashes_the_empty_input() =>
        Assert.Equal(MhlHasher.HashData(MhlHashFormat.Xxh64, []), new DirectoryHashContext(MhlHashFormat.Xxh64).ContentHash());

    [Fact]
    public void A_child_hash_that_is_not_a_hash_string_is_reported()
    {
        var context = new DirectoryHashContext(MhlHashFormat.Xxh64);
        Assert.Throws<MalformedInputException>(() => context.AddFile("x", "not-a-hash"));
    }
}
