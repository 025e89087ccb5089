using CsCheck;
using InterPositive.Formats.Ale;
using InterPositive.Formats.Cdl;
using InterPositive.Formats.Clips;
using InterPositive.Testing;
using Correction = InterPositive.Formats.Cdl.Cdl;

namespace InterPositive.Formats.Tests.Ale;

[Trait("Category", "Unit")]
public sealed class AleTests
{
    public static TheoryData<string> Samples() => new(Directory.GetFiles(ReferenceData.Path("ale"), "*.ale").Select(Path.GetFileName).OfType<string>());

    private static AleDocument Load(string name) => AleFile.Parse(File.ReadAllText(ReferenceData.Path("ale", name)), name);

    [Theory]
    [MemberData(nameof(Samples))]
    public void Shared_samples_round_trip(string name)
    {
        var original = Load(name);
        Assert.NotEmpty(original.Columns);
        Assert.NotEmpty(original.Rows);
        var back = AleFile.Parse(AleFile.Write(original), "written");
        Assert.Equal(original.Heading, back.Heading);
        Assert.Equal(original.Columns, back.Columns);
        Assert.Equal(original.Rows.Count, back.Rows.Count);
        for (var i = 0; i < original.Rows.Count; i++)
        {
            Assert.Equal(original.Rows[i], back.Rows[i]);
        }
    }

    [Fact]
    public void The_cdl_sample_reads_its_23976_timecodes_and_look()
    {
        var ale = Load("sample_cdl.ale");
        Assert.Equal("23.976", ale.HeadingValue("FPS"));
        var row = ale.Rows[0];
        Assert.Equal("A005_C010_0501J0", ale.Cell(row, "Name"));
        var rate = FrameRate.Parse(ale.HeadingValue("FPS")!);
        var start = Timecode.Parse(ale.Cell(row, "Start")!, rate);
        var end = Timecode.Parse(ale.Cell(row, "End")!, rate);
        var duration = Timecode.Parse(ale.Cell(row, "Duration")!, rate);
        Assert.Equal(duration.FrameCount, end - start);
        var look = Correction.FromAsc(ale.Cell(row, "ASC_SOP")!, ale.Cell(row, "ASC_SAT"));
        Assert.Equal(new CdlTriple(0.8714, 0.9334, 0.9947), look.Slope);
        Assert.Equal(new CdlTriple(-0.087, -0.0922, -0.0808), look.Offset);
        Assert.Equal(0.9, look.Saturation);
    }

    [Fact]
    public void Clips_export_with_drop_frame_labels_and_looks()
    {
        var clip = new ClipRecord
        {
            Path = "A002R2EC/A002C006_141024_R2EC.mov",
            Clip = "A002C006_141024_R2EC",
            Reel = "A002",
            Scene = "42A",
            Take = "3",
            Timecode = new TimecodeInfo("00:59:59;28", "29.97", true),
            DurationFrames = 4,
            Fps = 29.97,
            Width = 1920,
            Height = 1080,
            Iso = 800,
            WhiteBalanceK = 5600,
            ShutterAngle = 172.8,
            Camera = new CameraInfo { Make = "ARRI", Model = "ALEXA Mini LF" },
            Lens = new LensInfo { Model = "Signature Prime 35", FocalLengthMm = 35, TStop = 2.8 },
        };
        var look = new Correction("look", new CdlTriple(1.1, 1, 0.9), new CdlTriple(0.01, 0, -0.01), CdlTriple.One, 0.9);
        var text = AleFile.Write(AleFile.FromClips([clip], new Dictionary<string, Correction> { ["A002C006_141024_R2EC"] = look }));
        var ale = AleFile.Parse(text, "out.ale");
        var row = Assert.Single(ale.Rows);
        Assert.Equal("29.97", ale.HeadingValue("FPS"));
        Assert.Equal("1080", ale.HeadingValue("VIDEO_FORMAT"));
        Assert.Equal("00:59:59;28", ale.Cell(row, "Start"));
        Assert.Equal("01:00:00;02", ale.Cell(row, "End"));
        Assert.Equal("00:00:00;04", ale.Cell(row, "Duration"));
        Assert.Equal("A002", ale.Cell(row, "Camroll"));
        Assert.Equal("A002C006_141024_R2EC", ale.Cell(row, "Tape"));
        Assert.Equal("A002C006_141024_R2EC.mov", ale.Cell(row, "Source File"));
        Assert.Equal("800", ale.Cell(row, "ISO"));
        Assert.Equal("5600K", ale.Cell(row, "White Balance"));
        Assert.Equal("172.8°", ale.Cell(row, "Shutter"));
        Assert.Equal("35mm", ale.Cell(row, "Focal Length"));
        Assert.Equal("(1.100000 1.000000 0.900000)(0.010000 0.000000 -0.010000)(1.000000 1.000000 1.000000)", ale.Cell(row, "ASC_SOP"));
        Assert.Equal("0.900000", ale.Cell(row, "ASC_SAT"));
    }

    [Fact]
    public void Clips_at_23976_write_an_fps_editors_read()
    {
        var clip = new ClipRecord { Path = "a.mov", Timecode = new TimecodeInfo("23:59:59:23", "23.976", false), DurationFrames = 2 };
        var ale = AleFile.FromClips([clip]);
        Assert.Equal("23.976", ale.HeadingValue("FPS"));
        Assert.Equal("00:00:00:01", ale.Cell(ale.Rows[0], "End"));
        Assert.DoesNotContain("ASC_SOP", ale.Columns);
    }

    [Theory]
    [InlineData("junk\nHeading\n")]
    [InlineData("Heading\nFPS\t24\n")]
    [InlineData("Heading\nColumn\nName\tTape\nData\na\tb\tc\n")]
    [InlineData("Heading\nData\na\n")]
    public void Malformed_ale_is_malformed_input(string text) =>
        Assert.Throws<MalformedInputException>(() => AleFile.Parse(text, "bad.ale"));

    [Fact]
    public void Mutated_samples_parse_or_report_malformed_input()
    {
        var original = File.ReadAllText(ReferenceData.Path("ale", "sample_cdl.ale"));
        Gen.Select(Gen.Int[0, original.Length - 1], Gen.Char["\t\nHDa0;:"], Gen.Int[0, original.Length]).Sample((at, c, keep) =>
        {
            var text = (original[..at] + c + original[(at + 1)..])[..keep];
            try
            {
                AleFile.Parse(text, "fuzz.ale");
            }
            catch (MalformedInputException)
            {
            }
        }, iter: 500);
    }

    [Fact]
    public void Camera_report_is_one_page_with_totals_and_escapes_text()
    {
        var clips = new List<ClipRecord>
        {
            new() { Path = "A/<b>.mov", Clip = "<b>", DurationFrames = 48, Fps = 24, Reel = "A002" },
            new() { Path = "A/c.mov", Clip = "c", Errors = ["A/c.mov: empty file"] },
        };
        var html = CameraReport.Render("A002R2EC", "arri", clips, new Dictionary<string, byte[]> { ["A/c.mov"] = [0xFF, 0xD8, 0xFF] }, new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
        Assert.Contains("name=\"viewport\"", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>.mov", html, StringComparison.Ordinal);
        Assert.Contains("data:image/jpeg;base64,/9j/", html, StringComparison.Ordinal);
        Assert.Contains("Clips: <b>2</b>", html, StringComparison.Ordinal);
        Assert.Contains("Frames: <b>48</b>", html, StringComparison.Ordinal);
        Assert.Contains("empty file", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Clip_json_keeps_exactly_the_contract_keys()
    {
        var json = System.Text.Json.JsonDocument.Parse(new ClipRecord { Path = "a.mov" }.ToJson());
        var keys = json.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["path", "camera", "reel", "clip", "scene", "take", "timecode", "fps", "width", "height", "codec", "codecId", "durationFrames", "iso", "exposureIndex", "whiteBalanceK", "tint", "shutterAngle", "shutterSeconds", "nd", "lens", "errors"], keys);
        Assert.Equal(["make", "model", "serial"], json.RootElement.GetProperty("camera").EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(["model", "serial", "focalLengthMm", "fNumber", "tStop", "focusDistanceM"], json.RootElement.GetProperty("lens").EnumerateObject().Select(p => p.Name).ToArray());
        var withTc = System.Text.Json.JsonDocument.Parse(new ClipRecord { Timecode = new TimecodeInfo("01:00:00;00", "29.97", true) }.ToJson());
        Assert.Equal(["start", "rate", "dropFrame"], withTc.RootElement.GetProperty("timecode").EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.RootElement.GetProperty("iso").ValueKind);
    }
}
