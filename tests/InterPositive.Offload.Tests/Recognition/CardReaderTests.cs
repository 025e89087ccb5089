using InterPositive.Catalog;
using InterPositive.Catalog.Clips;
using InterPositive.Formats.Clips;
using InterPositive.Offload.Recognition;
using InterPositive.Testing;
using InterPositive.Testing.Media;
using Microsoft.Extensions.Time.Testing;

namespace InterPositive.Offload.Tests.Recognition;

[Trait("Category", "Integration")]
public sealed class CardReaderTests
{
    [Fact]
    public void Arri_mov_reel_folder_is_recognised_and_read()
    {
        using var card = new TempFolder("arri");
        CardBuilder.ArriMov(card.Path);
        var result = CardReader.ReadDirectory(card.Path);
        Assert.Equal(CameraFamily.Arri, result.Family);
        Assert.Equal(2, result.Clips.Count);
        var first = result.Clips[0];
        Assert.Equal("A002R2EC/A002C006_141024_R2EC.mov", first.Path);
        Assert.Equal("A002C006_141024_R2EC", first.Clip);
        Assert.Equal("ARRI", first.Camera.Make);
        Assert.Equal("ALEXA Mini LF", first.Camera.Model);
        Assert.Equal("A002", first.Reel);
        Assert.Equal("42A", first.Scene);
        Assert.Equal("1", first.Take);
        Assert.Equal("14:00:10:00", first.Timecode?.Start);
        Assert.Empty(first.Errors);
    }

    [Fact]
    public void Alexa35_mxf_clips_carry_rdd18_lens_and_camera_values()
    {
        using var card = new TempFolder("a35");
        CardBuilder.ArriMxf(card.Path);
        var result = CardReader.ReadDirectory(card.Path);
        Assert.Equal(CameraFamily.Arri, result.Family);
        var clip = result.Clips[0];
        Assert.Equal("A_0076C001_230511_184122_h1CTJ", clip.Clip);
        Assert.Equal("A0076", clip.Reel);
        Assert.Equal(2.8, clip.Lens.FNumber);
        Assert.Equal(800, clip.Iso);
        Assert.Equal("18:00:04:04", clip.Timecode?.Start);
        Assert.Equal(24, clip.Fps);
    }

    [Fact]
    public void Red_segments_are_one_clip_and_proxies_are_not_clips()
    {
        using var card = new TempFolder("red");
        CardBuilder.Red(card.Path, clips: 2, segments: 3);
        var result = CardReader.ReadDirectory(card.Path);
        Assert.Equal(CameraFamily.Red, result.Family);
        Assert.Equal(2, result.Clips.Count);
        var clip = result.Clips[0];
        Assert.Equal("A002_0908FT.RDM/A002_C001_0908R4.RDC/A002_C001_0908R4_001.R3D", clip.Path);
        Assert.Equal("A002_C001_0908R4", clip.Clip);
        Assert.Equal("RED", clip.Camera.Make);
        Assert.Equal("14:22:01:00", clip.Timecode?.Start);
        Assert.Equal("001", clip.Reel);
    }

    [Fact]
    public void Sony_xml_fills_and_overrides_the_mxf()
    {
        using var card = new TempFolder("sony");
        CardBuilder.Sony(card.Path);
        var result = CardReader.ReadDirectory(card.Path);
        Assert.Equal(CameraFamily.Sony, result.Family);
        Assert.Equal(2, result.Clips.Count);
        var clip = result.Clips[0];
        Assert.Equal("PRIVATE/XDROOT/Clip/C0001.MXF", clip.Path);
        Assert.Equal("16:47:04:19", clip.Timecode?.Start); // the XML's LTC wins over the MXF's 01:00:00:00
        Assert.Equal("MPC-3610", clip.Camera.Model);
        Assert.Equal(2500, clip.Iso);
        Assert.Equal("A012", clip.Reel);
        Assert.Equal(6054, clip.Width); // the XML layout overrides the descriptor
        Assert.Empty(clip.Errors);
    }

    [Fact]
    public void Blackmagic_sidecar_overrides_the_braw()
    {
        using var card = new TempFolder("bm");
        CardBuilder.Blackmagic(card.Path);
        var result = CardReader.ReadDirectory(card.Path);
        Assert.Equal(CameraFamily.Blackmagic, result.Family);
        var clip = result.Clips[0];
        Assert.Equal(1600, clip.Iso);
        Assert.Equal("B003", clip.Reel);
        Assert.Equal(12288, clip.Width);
        Assert.Equal(("Blackmagic RAW", "brxq"), (clip.Codec, clip.CodecId));
        Assert.Equal(24, clip.Fps);
    }

    [Fact]
    public void Canon_contents_clips_folder_is_recognised()
    {
        using var card = new TempFolder("canon");
        CardBuilder.Canon(card.Path);
        var result = CardReader.ReadDirectory(card.Path);
        Assert.Equal(CameraFamily.Canon, result.Family);
        Assert.Equal("Canon", result.Clips[0].Camera.Make);
        Assert.Equal(25, result.Clips[0].Fps);
    }

    [Fact]
    public void Bad_files_give_per_clip_errors_and_the_rest_of_the_card_is_read()
    {
        using var card = new TempFolder("bad");
        CardBuilder.ArriMov(card.Path, clips: 2);
        var reel = card.Combine("A002R2EC");
        File.WriteAllBytes(Path.Combine(reel, "A002C010_141024_R2EC.mov"), []);
        File.WriteAllText(Path.Combine(reel, "A002C011_141024_R2EC.mov"), "this is not a movie");
        var good = File.ReadAllBytes(Path.Combine(reel, "A002C006_141024_R2EC.mov"));
        File.WriteAllBytes(Path.Combine(reel, "A002C012_141024_R2EC.mov"), good[..(good.Length / 3)]);
        File.WriteAllBytes(Path.Combine(reel, "A002C013_141024_R2EC.mxf"), good);
        var result = CardReader.ReadDirectory(card.Path);
        Assert.Equal(6, result.Clips.Count);
        Assert.Equal(2, result.Clips.Count(c => c.Errors.Count == 0));
        Assert.All(result.Clips.Where(c => c.Errors.Count > 0), c => Assert.Contains(c.Path, c.Errors[0], StringComparison.Ordinal));
        Assert.Equal(result.Clips.SelectMany(c => c.Errors), result.Errors);
    }

    [Fact]
    public void Clip_records_are_stored_in_the_catalog()
    {
        using var card = new TempFolder("store");
        CardBuilder.ArriMov(card.Path);
        var result = CardReader.ReadDirectory(card.Path);
        using var catalog = CatalogDatabase.Open(card.Combine("data", "interpositive.db"), new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero)));
        catalog.Write(tx => ClipStore.UpsertAll(tx, "A002R2EC", result.Clips));
        catalog.Write(tx => ClipStore.UpsertAll(tx, "A002R2EC", result.Clips));
        var stored = ClipStore.ForCard(catalog, "A002R2EC");
        Assert.Equal(result.Clips.Count, stored.Count);
        Assert.Equal(result.Clips[0].ToJson(), stored[0].ToJson());
        Assert.NotNull(ClipStore.Find(catalog, "A002R2EC/A002C006_141024_R2EC"));
        var row = catalog.Read(db => db.GetCollection<ClipDocument>(CatalogCollections.Clips).FindById("A002R2EC/A002C006_141024_R2EC"));
        Assert.Equal("A002", row.Reel);
        Assert.Equal("ARRI ALEXA Mini LF #2871", row.Camera);
    }
}

[Trait("Category", "Unit")]
public sealed class CardRecognizerTests
{
    [Theory]
    [InlineData("A002C006_141024_R2EC", true)]
    [InlineData("A_0076C001_230511_184122_h1CTJ", true)]
    [InlineData("C0001", false)]
    [InlineData("clip", false)]
    public void Arri_clip_names(string stem, bool arri) => Assert.Equal(arri, CardRecognizer.IsArriName(stem));

    [Fact]
    public void Layouts_are_recognised_from_paths_alone()
    {
        Assert.Equal(CameraFamily.Sony, CardRecognizer.Recognize(["XDROOT/Clip/C0001.MXF", "XDROOT/Clip/C0001M01.XML", "XDROOT/MEDIAPRO.XML"]).Family);
        Assert.Equal(CameraFamily.Generic, CardRecognizer.Recognize(["DCIM/100/clip.MP4"]).Family);
        var fx = CardRecognizer.Recognize(["PRIVATE/M4ROOT/CLIP/C0001.MP4", "PRIVATE/M4ROOT/CLIP/C0001M01.XML", "PRIVATE/M4ROOT/SUB/C0001S03.MP4"]);
        Assert.Equal(CameraFamily.Sony, fx.Family);
        Assert.Equal("PRIVATE/M4ROOT/CLIP/C0001M01.XML", Assert.Single(fx.Clips).Sidecar);
        var red = CardRecognizer.Recognize(["X.RDM/X_C001.RDC/X_C001_002.R3D", "X.RDM/X_C001.RDC/X_C001_001.R3D", "._junk.mov"]);
        var clip = Assert.Single(red.Clips);
        Assert.Equal(["X.RDM/X_C001.RDC/X_C001_001.R3D", "X.RDM/X_C001.RDC/X_C001_002.R3D"], clip.Segments);
        var braw = CardRecognizer.Recognize(["A.braw", "A.sidecar", "ascmhl/0001.mhl"]);
        Assert.Equal("A.sidecar", Assert.Single(braw.Clips).Sidecar);
    }
}
