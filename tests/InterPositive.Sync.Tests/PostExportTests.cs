using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CsCheck;
using InterPositive.Catalog;
using InterPositive.Catalog.Shots;
using InterPositive.Formats.Ale;
using InterPositive.Formats.Cdl;
using InterPositive.Formats.Clips;
using InterPositive.Sync.Post;
using InterPositive.Testing;
using Microsoft.Extensions.Time.Testing;

namespace InterPositive.Sync.Tests;

[Trait("Category", "Unit")]
public sealed class PostExportTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_csv_carries_every_camera_lighting_and_look_value_of_every_shot()
    {
        using var folder = new TempFolder();
        var shots = Shots(folder, clips: 3);
        var result = PostExport.Export(folder.Combine("exports"), shots);
        Assert.Empty(result.Skipped);
        var csv = File.ReadAllLines(folder.Combine("exports", "feature", "2026-11-25", "A001.csv"));
        var header = csv[0].Split(',');
        var row = Row(header, csv[1]);
        Assert.Equal("A001C001_261125_R1AB", row["Name"]);
        Assert.Equal("01:00:01:00", row["Start"]);
        Assert.Equal("01:00:01:12", row["End"]);
        Assert.Equal("00:00:00:12", row["Duration"]);
        Assert.Equal("23.976", row["FPS"]);
        Assert.Equal("ARRI ALEXA Mini LF #12345", row["Camera"]);
        Assert.Equal("Signature Prime 35", row["Lens"]);
        Assert.Equal("2.8", row["T-Stop"]);
        Assert.Equal("", row["F-Stop"]);
        Assert.Equal("800", row["EI"]);
        Assert.Equal("5600", row["White Balance"]);
        Assert.Equal("172.8°", row["Shutter"]);
        Assert.Equal("-0.30", row["Exposure EV"]);
        Assert.Equal("5600", row["CCT"]);
        Assert.Equal("0.0020", row["Duv"]);
        Assert.Equal("1.5", row["Key/Fill"]);
        Assert.Equal("none", row["Flicker"]);
        Assert.Equal("look1", row["Look"]);
        Assert.Equal("(1.100000 1.000000 0.900000)(0.010000 0.000000 -0.010000)(1.000000 1.000000 1.000000)", row["ASC_SOP"]);
        Assert.Equal("0.900000", row["ASC_SAT"]);
        Assert.Contains("flicker at 100 Hz", Row(header, csv[2])["Alerts"], StringComparison.Ordinal);
        Assert.All(csv.Skip(1), line => Assert.Equal(header.Length, Row(header, line).Count));
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")")]
    [InlineData("+SUM(A1)")]
    [InlineData("-2+3+cmd|' /C calc'!A0")]
    [InlineData("@SUM(A1)")]
    public void Csv_values_a_spreadsheet_would_run_are_neutralised_and_numbers_are_not(string scene)
    {
        Assert.Equal("'" + scene, PostExport.Neutralise(scene));
        Assert.Equal("-0.30", PostExport.Neutralise("-0.30"));
        Assert.Equal("+1.5", PostExport.Neutralise("+1.5"));
        Gen.String.Sample(value =>
        {
            var safe = PostExport.Neutralise(value);
            Assert.True(safe.Length == 0 || safe[0] is not ('=' or '+' or '-' or '@' or '\t' or '\r') || double.TryParse(safe, NumberStyles.Float, CultureInfo.InvariantCulture, out _), safe);
        }, iter: 2000);
    }

    [Fact]
    public void A_bad_shot_is_skipped_and_named_and_the_others_export()
    {
        using var folder = new TempFolder();
        var shots = Shots(folder, clips: 2).ToList();
        using var five = JsonDocument.Parse("5");
        shots.Add(shots[0] with { ClipId = "A001R1AB/broken", Shot = five.RootElement.Clone() });
        using var badLook = JsonDocument.Parse("""{"clipId":"A001R1AB/badlook","cardId":"A001R1AB","path":"x.mxf","look":{"cdl":{"slope":[1],"offset":[0,0,0],"power":[1,1,1],"saturation":1}}}""");
        shots.Add(shots[0] with { ClipId = "A001R1AB/badlook", Shot = badLook.RootElement.Clone() });
        var result = PostExport.Export(folder.Combine("exports"), shots);
        Assert.Equal(["A001R1AB/badlook", "A001R1AB/broken"], result.Skipped.Select(s => s.ClipId).Order(StringComparer.Ordinal));
        Assert.Contains("number", result.Skipped.Single(s => s.ClipId == "A001R1AB/broken").Reason, StringComparison.Ordinal);
        Assert.Equal(3, File.ReadAllLines(folder.Combine("exports", "feature", "2026-11-25", "A001.csv")).Length);
    }

    [Fact]
    public void A_reel_mixing_frame_rates_gets_one_ale_per_rate_that_opentimelineio_and_our_reader_accept()
    {
        using var folder = new TempFolder();
        var clips = new[]
        {
            ("C001", new TimecodeInfo("01:00:00;00", "29.97", true), 29.97),
            ("C002", new TimecodeInfo("02:00:59;28", "59.94", true), 59.94),
            ("C003", new TimecodeInfo("03:00:00:00", "25", false), 25.0),
            ("C004", new TimecodeInfo("01:10:00;02", "29.97", true), 29.97),
        };
        var shots = clips.Select((c, i) => Shot(new ClipRecord { Path = c.Item1 + ".mov", Clip = c.Item1, Reel = "A002", Timecode = c.Item2, Fps = c.Item3, DurationFrames = 2000 + i, Lens = new LensInfo { FNumber = 4 } }, i + 1)).ToList();
        var result = PostExport.Export(folder.Combine("exports"), shots);
        var ales = result.Written.Where(w => w.EndsWith(".ale", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["feature/2026-11-25/A002_25.ale", "feature/2026-11-25/A002_29.97DF.ale", "feature/2026-11-25/A002_59.94DF.ale"], ales);
        foreach (var ale in ales)
        {
            var text = File.ReadAllText(folder.Combine("exports", ale));
            OtioAleRules.Check(text);
            var document = AleFile.Parse(text, ale);
            var fps = document.HeadingValue("FPS");
            Assert.Contains(fps!, ale, StringComparison.Ordinal);
            Assert.All(document.Rows, row => Assert.Equal("f/4.0", document.Cell(row, "F-Stop")));
            Assert.All(document.Rows, row => Assert.Null(document.Cell(row, "T-Stop")));
        }

        Assert.Equal(2, AleFile.Parse(File.ReadAllText(folder.Combine("exports", ales[1])), "29.97").Rows.Count);
    }

    [Fact]
    public void Our_ale_with_looks_and_lighting_passes_opentimelineio_rules_and_keeps_six_decimals()
    {
        using var folder = new TempFolder();
        var shots = Shots(folder, clips: 3, slope: 0.00001);
        var result = PostExport.Export(folder.Combine("exports"), shots);
        var text = File.ReadAllText(folder.Combine("exports", "feature", "2026-11-25", "A001.ale"));
        OtioAleRules.Check(text);
        var ale = AleFile.Parse(text, "A001.ale");
        Assert.Equal("23.976", ale.HeadingValue("FPS"));
        var look = Cdl.FromAsc(ale.Cell(ale.Rows[0], "ASC_SOP")!, ale.Cell(ale.Rows[0], "ASC_SAT"));
        Assert.Equal(0.00001, look.Slope.R, 12);
        foreach (var column in new[] { "Start", "End", "Duration", "ISO", "EI", "White Balance", "Shutter", "T-Stop", "Exposure EV", "CCT", "Duv", "Key/Fill", "Flicker", "Look" })
        {
            Assert.Contains(column, ale.Columns);
        }

        Assert.Equal("5600", ale.Cell(ale.Rows[0], "CCT"));
        Assert.Empty(result.Skipped);
    }

    [Fact]
    public void Looks_export_as_one_ccc_per_reel_and_one_cdl_per_clip_named_by_clip_and_read_back_by_our_clips_matcher()
    {
        using var folder = new TempFolder();
        var shots = Shots(folder, clips: 3);
        var result = PostExport.Export(folder.Combine("exports"), shots);
        Assert.Contains("feature/2026-11-25/A001.ccc", result.Written);
        Assert.Contains("feature/2026-11-25/A001/A001C002_261125_R1AB.cdl", result.Written);
        using var ccc = File.OpenRead(folder.Combine("exports", "feature", "2026-11-25", "A001.ccc"));
        var corrections = CdlXml.Read(ccc, "A001.ccc");
        Assert.Equal(["A001C001_261125_R1AB", "A001C002_261125_R1AB", "A001C003_261125_R1AB"], corrections.Select(c => c.Id));
        Assert.All(corrections, c => Assert.Equal("look1", c.Description));
        var match = CdlMatch.Match(corrections, ["A001C001_261125_R1AB", "A001C002_261125_R1AB", "A001C003_261125_R1AB"]);
        Assert.Equal(3, match.ByClip.Count);
        Assert.Empty(match.Unmatched);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task OpenColorIO_finds_each_clips_look_by_cccid_in_the_ccc_and_in_its_cdl()
    {
        using var folder = new TempFolder();
        var shots = Shots(folder, clips: 2);
        PostExport.Export(folder.Combine("exports"), shots);
        var day = folder.Combine("exports", "feature", "2026-11-25");
        var expected = new Cdl(null, new CdlTriple(1.1, 1.0, 0.9), new CdlTriple(0.01, 0, -0.01), CdlTriple.One, 0.9).Apply(0.5, 0.4, 0.3, CdlStyle.AscV12);
        var script = """
            import sys, json, PyOpenColorIO as OCIO
            cfg = OCIO.Config.CreateRaw()
            out = {}
            for path, cccid in zip(sys.argv[1::2], sys.argv[2::2]):
                t = OCIO.FileTransform(src=path, cccId=cccid, interpolation=OCIO.INTERP_LINEAR)
                out[path + "#" + cccid] = cfg.getProcessor(t).getDefaultCPUProcessor().applyRGB([0.5, 0.4, 0.3])
            print(json.dumps(out))
            """;
        await File.WriteAllTextAsync(folder.Combine("ocio.py"), script);
        string[] args = [folder.Combine("ocio.py"),
            Path.Combine(day, "A001.ccc"), "A001C001_261125_R1AB",
            Path.Combine(day, "A001.ccc"), "A001C002_261125_R1AB",
            Path.Combine(day, "A001", "A001C002_261125_R1AB.cdl"), "A001C002_261125_R1AB"];
        var output = await RunPythonAsync(args);
        using var document = JsonDocument.Parse(output);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var rgb = property.Value.EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(expected.R, rgb[0], 5);
            Assert.Equal(expected.G, rgb[1], 5);
            Assert.Equal(expected.B, rgb[2], 5);
        }

        Assert.Equal(3, document.RootElement.EnumerateObject().Count());
    }

    internal static async Task<string> RunPythonAsync(IEnumerable<string> args)
    {
        // Debian's python3-pyopencolorio installs for the system interpreter, not for any other python3 on PATH.
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"python3 (needs Debian python3-pyopencolorio) exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }

    private static List<PostShot> Shots(TempFolder folder, int clips, double? slope = null)
    {
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog-" + Guid.NewGuid().ToString("N") + ".db"), new FakeTimeProvider(T0));
        SyncFixtures.AddCard(catalog, "A001R1AB", clips, enqueue: false);
        if (slope is { } s)
        {
            catalog.Write(tx =>
            {
                var looks = tx.Database.GetCollection<LookDocument>(CatalogCollections.Looks);
                foreach (var look in looks.FindAll().ToList())
                {
                    look.CdlJson = look.CdlJson!.Replace("[1.1,", "[" + s.ToString("R", CultureInfo.InvariantCulture) + ",", StringComparison.Ordinal);
                    looks.Update(look);
                }
            });
        }

        return catalog.Read(db => db.GetCollection<ClipDocument>(CatalogCollections.Clips).FindAll().Select(c => c.Id).ToList())
            .Select((id, i) =>
            {
                using var body = JsonDocument.Parse(catalog.Read(db => ShotRecords.BuildShot(db, id))!);
                return new PostShot("feature", "main", "cart-a", id, i + 2, Guid.CreateVersion7().ToString("D"), T0, T0, body.RootElement.Clone());
            })
            .ToList();
    }

    private static PostShot Shot(ClipRecord clip, int sequence)
    {
        var body = $$"""{"clipId":"A002/{{clip.Clip}}","cardId":"A002","path":"{{clip.Path}}","reel":"A002","scene":null,"take":null,"camera":null,"clip":{{clip.ToJson()}},"offload":null,"lighting":null,"look":null,"previews":[],"alerts":[],"updatedAt":"2026-11-25T09:00:00+00:00"}""";
        using var document = JsonDocument.Parse(body);
        return new PostShot("feature", "main", "cart-a", "A002/" + clip.Clip, sequence, Guid.CreateVersion7().ToString("D"), T0, T0, document.RootElement.Clone());
    }

    private static Dictionary<string, string> Row(string[] header, string line)
    {
        // The fixture's values hold no quotes or commas except the alerts text, which the CSV quotes.
        var cells = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '"')
            {
                if (quoted && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else
                {
                    quoted = !quoted;
                }
            }
            else if (c == ',' && !quoted)
            {
                cells.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        cells.Add(current.ToString());
        return header.Zip(cells).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
    }
}
