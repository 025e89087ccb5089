using System.Text.Json;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Media;
using InterPositive.Testing;
using InterPositive.Testing.Scenes;

namespace InterPositive.Host.Tests;

/// <summary><c>interpositive relight --json</c> as a child process: where the source lamp came from, and its usage errors.</summary>
[Trait("Category", "Integration")]
public sealed class RelightCliTests : IDisposable
{
    private readonly TempFolder _temp = new("ip-relight-cli");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Relight_reports_the_source_lamp_measured_or_given()
    {
        var scene = SceneRenderer.Render(new SceneSpec { Curve = LogCurve.LogC3, Gamut = Gamut.Awg3, Illuminant = new SceneIlluminant(3200), CameraWhiteBalanceKelvin = 5600, Width = 160, Height = 90 });
        var input = _temp.Combine("tungsten.png");
        StillFrames.Write(input, StillFrames.FromRaster(scene.Image, input).Values, 160, 90, StillKind.Png16);
        string[] common = ["relight", input, "--log", "logc3", "--gamut", "awg3", "--camera-wb", "5600", "--cct", "5600", "--provider", "cpu", "--json", "--data", _temp.Combine("data")];

        // --verbose: information-level log lines (the source lamp's) reach stderr as well as the log file.
        var measured = await Cli.RunAsync([.. common, "--out", _temp.Combine("a.jpg"), "--verbose"]);
        Assert.True(measured.ExitCode == 0, measured.Stderr);
        using (var json = JsonDocument.Parse(measured.Stdout))
        {
            var lamp = json.RootElement.GetProperty("parameters").GetProperty("sourceLamp");
            Assert.Equal("measured", lamp.GetProperty("origin").GetString());
            Assert.InRange(lamp.GetProperty("kelvin").GetDouble(), 3040, 3360);
            Assert.InRange(lamp.GetProperty("confidence").GetDouble(), 0.3, 1);
            Assert.Equal("CPUExecutionProvider", json.RootElement.GetProperty("provider").GetString());
        }

        Assert.Contains("Source lamp", measured.Stderr, StringComparison.Ordinal);

        var given = await Cli.RunAsync([.. common, "--out", _temp.Combine("b.jpg"), "--from-cct", "3000", "--from-tint", "4"]);
        Assert.True(given.ExitCode == 0, given.Stderr);
        using (var json = JsonDocument.Parse(given.Stdout))
        {
            var lamp = json.RootElement.GetProperty("parameters").GetProperty("sourceLamp");
            Assert.Equal(("given", 3000.0, 4.0), (lamp.GetProperty("origin").GetString(), lamp.GetProperty("kelvin").GetDouble(), lamp.GetProperty("tint").GetDouble()));
        }

        var tintAlone = await Cli.RunAsync([.. common, "--out", _temp.Combine("c.jpg"), "--from-tint", "4"]);
        Assert.Equal(2, tintAlone.ExitCode);
        Assert.Contains("--from-tint needs --from-cct", tintAlone.Stderr, StringComparison.Ordinal);
        var outOfRange = await Cli.RunAsync([.. common, "--out", _temp.Combine("d.jpg"), "--from-cct", "300"]);
        Assert.Equal(2, outOfRange.ExitCode);
    }
}
