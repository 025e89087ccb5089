using System.Globalization;
using System.Text.Json;
using InterPositive.Formats.Images;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Media;
using InterPositive.Relight.Models;
using InterPositive.Relight.Passes;
using InterPositive.Relight.Runtime;
using InterPositive.Testing;
using InterPositive.Testing.Relight;
using Xunit.Abstractions;

namespace InterPositive.Relight.Tests;

/// <summary>VFX passes of rendered scenes with known normals and albedo, through the passes graph and the exporter.</summary>
[Trait("Category", "Integration")]
public sealed class PassExporterTests(ITestOutputHelper output)
{
    private const int W = 192;
    private const int H = 128;

    private static (RelightScene Scene, float[] Code) Shot()
    {
        var scene = RelightScene.Spheres(W, H);
        var linear = scene.Render(RelightScene.KeyAndFill(), 0.6);
        return (scene, linear.Select(v => (float)LogTransfer.LogC3.Encode(v)).ToArray());
    }

    /// <summary>Mean angle in degrees between planar unit-normal maps.</summary>
    internal static double MeanAngle(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int pixels)
    {
        var sum = 0.0;
        for (var p = 0; p < pixels; p++)
        {
            double ax = a[p], ay = a[pixels + p], az = a[(2 * pixels) + p];
            double bx = b[p], by = b[pixels + p], bz = b[(2 * pixels) + p];
            var dot = ((ax * bx) + (ay * by) + (az * bz)) / Math.Sqrt(((ax * ax) + (ay * ay) + (az * az)) * ((bx * bx) + (by * by) + (bz * bz)));
            sum += Math.Acos(Math.Clamp(dot, -1, 1)) * 180 / Math.PI;
        }

        return sum / pixels;
    }

    /// <summary>Mean relative error of an albedo estimate after the one global scale the estimate cannot know (the SH fit carries the mean albedo).</summary>
    internal static double AlbedoError(ReadOnlySpan<float> estimate, ReadOnlySpan<float> truth)
    {
        double num = 0, den = 0;
        for (var i = 0; i < truth.Length; i++)
        {
            num += estimate[i] * (double)truth[i];
            den += estimate[i] * (double)estimate[i];
        }

        var k = num / den;
        var error = 0.0;
        for (var i = 0; i < truth.Length; i++)
        {
            error += Math.Abs((k * estimate[i]) - truth[i]) / truth[i];
        }

        return error / truth.Length;
    }

    [Fact]
    public async Task Exr_passes_of_a_rendered_scene_state_normal_angle_and_albedo_error_against_flat_baselines()
    {
        using var temp = new TempFolder("passes");
        var (scene, code) = Shot();
        StillFrames.Write(temp.Combine("shot.png"), code, W, H, StillKind.Png16);
        var manifest = await new PassExporter(ExecutionPreference.Cpu, 1).RunAsync(new PassRequest(temp.Combine("shot.png"), temp.Combine("out"), PassFormat.Exr, LogTransfer.LogC3, Gamut.Rec709), CancellationToken.None);

        var frame = Assert.Single(manifest.Frames);
        var normals = Planar(ExrCodec.Read(await File.ReadAllBytesAsync(temp.Combine("out", frame.Normals)), frame.Normals)).Select(v => (2 * v) - 1).ToArray();
        var albedo = Planar(ExrCodec.Read(await File.ReadAllBytesAsync(temp.Combine("out", frame.Albedo)), frame.Albedo));
        var shading = Planar(ExrCodec.Read(await File.ReadAllBytesAsync(temp.Combine("out", frame.Shading)), frame.Shading));
        var pixels = W * H;

        // Scored over the whole frame and over the spheres alone (the wall faces the camera, where flat normals are right).
        var linear = code.Select(v => (float)LogTransfer.LogC3.Decode(v)).ToArray();
        var flat = new float[3 * pixels];
        Array.Fill(flat, 1f, 2 * pixels, pixels);
        var spheres = Enumerable.Range(0, pixels).Where(p => scene.Normals[(2 * pixels) + p] < 0.999f).ToArray();
        float[] Pick(float[] planar) => [.. Enumerable.Range(0, 3).SelectMany(c => spheres.Select(p => planar[(c * pixels) + p]))];
        var angle = MeanAngle(normals, scene.Normals, pixels);
        var flatAngle = MeanAngle(flat, scene.Normals, pixels);
        var sphereAngle = MeanAngle(Pick(normals), Pick(scene.Normals), spheres.Length);
        var sphereFlat = MeanAngle(Pick(flat), Pick(scene.Normals), spheres.Length);
        // Albedo against the baseline of the picture itself taken as albedo (no shading removed).
        var albedoError = AlbedoError(albedo, scene.Albedo);
        var pictureError = AlbedoError(linear, scene.Albedo);
        var sphereAlbedo = AlbedoError(Pick(albedo), Pick(scene.Albedo));
        var spherePicture = AlbedoError(Pick(linear), Pick(scene.Albedo));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"normals, mean angular error: whole frame {angle:F1}° (all facing the camera: {flatAngle:F1}°), spheres {sphereAngle:F1}° (flat: {sphereFlat:F1}°)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"albedo, mean relative error after one global scale: whole frame {100 * albedoError:F1} % (picture as albedo: {100 * pictureError:F1} %), spheres {100 * sphereAlbedo:F1} % (picture: {100 * spherePicture:F1} %)"));
        Assert.True(angle < flatAngle && sphereAngle < sphereFlat, $"estimated normals ({angle:F1}°, spheres {sphereAngle:F1}°) are no better than flat ones ({flatAngle:F1}°, {sphereFlat:F1}°)");
        Assert.True(sphereAlbedo < spherePicture, $"albedo on the spheres {sphereAlbedo:P1} is no better than the picture's {spherePicture:P1}");

        // albedo × shading is the linear picture (the passes recombine).
        var worst = 0.0;
        for (var i = 0; i < linear.Length; i++)
        {
            if (shading[i] > 0.01)
            {
                worst = Math.Max(worst, Math.Abs((albedo[i] * shading[i]) - linear[i]) / Math.Max(linear[i], 0.01));
            }
        }

        Assert.True(worst < 0.01, $"albedo × shading misses the picture by {worst:P2}");

        var lighting = JsonDocument.Parse(await File.ReadAllTextAsync(temp.Combine("out", PassExporter.LightingName))).RootElement;
        Assert.Equal(9, lighting.GetProperty("sh").GetProperty("red").GetArrayLength());
        Assert.True(lighting.GetProperty("light").TryGetProperty("cct", out _));
        var key = lighting.GetProperty("key");
        // KeyAndFill's key is from the camera's upper left (relight azimuth −40°, elevation 30°).
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"key from the SH fit: relight azimuth {key.GetProperty("relightAzimuthDeg").GetDouble():F0}°, elevation {key.GetProperty("relightElevationDeg").GetDouble():F0}° (rendered −40°, 30°)"));
        Assert.True(key.GetProperty("relightAzimuthDeg").GetDouble() < 0, "the key is on frame left");

        var written = JsonDocument.Parse(await File.ReadAllTextAsync(temp.Combine("out", PassExporter.ManifestName))).RootElement;
        Assert.Equal("logc3", written.GetProperty("curve").GetString());
        Assert.Equal(JsonValueKind.Null, written.GetProperty("model").GetProperty("depth").ValueKind);
        Assert.Equal("interpositive-relight", written.GetProperty("model").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Integer_formats_store_shading_over_the_manifest_scale_and_carry_dpx_timecode()
    {
        using var temp = new TempFolder("passes-int");
        var (_, code) = Shot();
        var seq = Directory.CreateDirectory(temp.Combine("seq")).FullName;
        for (var f = 0; f < 2; f++)
        {
            using var stream = File.Create(Path.Combine(seq, string.Create(CultureInfo.InvariantCulture, $"shot.{f + 86400:0000000}.dpx")));
            DpxCodec.Write(stream, StillFrames.ToRaster(code, W, H, 16), 16, timecode: DpxCodec.TimecodeToBcd(1, 0, 0, f), frameRate: 24);
        }

        foreach (var format in new[] { PassFormat.Png16, PassFormat.Dpx })
        {
            var manifest = await new PassExporter(ExecutionPreference.Cpu, 1).RunAsync(new PassRequest(seq, temp.Combine(format.ToString()), format, LogTransfer.LogC3, Gamut.Rec709), CancellationToken.None);
            Assert.Equal(2, manifest.Frames.Count);
            Assert.Equal("sequence", manifest.Kind);
            Assert.Equal(["01:00:00:00", "01:00:00:01"], manifest.Frames.Select(f => f.Timecode));
            var scale = manifest.Passes.Single(p => p.Name == "shading").Scale;
            Assert.True(scale >= 1);
            var shading = StillFrames.Read(temp.Combine(format.ToString(), manifest.Frames[1].Shading));
            var albedo = StillFrames.Read(temp.Combine(format.ToString(), manifest.Frames[1].Albedo));
            var linear = code.Select(v => (float)LogTransfer.LogC3.Decode(v)).ToArray();
            var misses = 0;
            for (var i = 0; i < linear.Length; i++)
            {
                var recombined = albedo.Values[i] * shading.Values[i] * scale;
                if (albedo.Values[i] < 0.999 && shading.Values[i] > 0.02 && Math.Abs(recombined - linear[i]) > 0.01 + (0.01 * linear[i]))
                {
                    misses++;
                }
            }

            Assert.True(misses < linear.Length / 100, $"{format}: {misses} samples do not recombine");
        }
    }

    [Fact]
    public void Passes_graph_normals_match_the_reference_estimator()
    {
        // The passes graph is the relight's estimator: at full size its normals are the reference's to float precision.
        var (_, code) = Shot();
        var linear = code.Select(v => (float)LogTransfer.LogC3.Decode(v)).ToArray();
        var options = new RelightGraphOptions { InputCurve = LogTransfer.LogC3, Shading = ShadingMode.Estimated, EstimatorRadius = 2, ShadingScale = 1, AlbedoRadius = 0, Output = OutputKind.Linear };
        var lighting = new ShLighting(RelightScene.KeyAndFill());
        var expected = RelightReference.EstimateNormals(linear, H, W, Gamut.Rec709, 2, TakeAnalysis.DefaultNormalScale(H));
        using var session = new ModelSession(BuiltInRelightModel.BuildPasses(options), ExecutionPreference.Cpu, 1);
        using var image = TensorBuffer.From(code, 1, 3, H, W);
        using var normals = new TensorBuffer(1, 3, H, W);
        using var shading = new TensorBuffer(1, 3, H, W);
        using var albedo = new TensorBuffer(1, 3, H, W);
        var feeds = BuiltInRelightModel.PassTensors(options, lighting, TakeAnalysis.DefaultNormalScale(H)).Select(f => (f.Key, Buffer: TensorBuffer.From(f.Value.Values, f.Value.Shape))).ToList();
        try
        {
            session.Run([BuiltInRelightModel.Image, .. feeds.Select(f => f.Key)], [image.Value, .. feeds.Select(f => f.Buffer.Value)], [BuiltInRelightModel.PassNormals, BuiltInRelightModel.PassShading, BuiltInRelightModel.PassAlbedo], [normals.Value, shading.Value, albedo.Value]);
        }
        finally
        {
            feeds.ForEach(f => f.Buffer.Dispose());
        }

        var angle = MeanAngle(normals.Span, expected, W * H);
        Assert.True(angle < 0.05, $"graph and reference normals differ by {angle:F3}° on average");
        var p = (40 * W) + 50;
        Assert.Equal(lighting.Irradiance(1, normals.Span[p], normals.Span[(W * H) + p], normals.Span[(2 * W * H) + p]), shading.Span[(W * H) + p], 1e-4);
    }

    private static float[] Planar(ExrImage image) => [.. image.Channel("R").Values, .. image.Channel("G").Values, .. image.Channel("B").Values];
}
