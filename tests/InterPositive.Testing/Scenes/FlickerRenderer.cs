using InterPositive.Formats.Images;
using InterPositive.Lighting.Colour;

namespace InterPositive.Testing.Scenes;

/// <summary>A take lit by a modulated light, recorded by a rolling (or global) shutter.</summary>
public sealed record FlickerSpec
{
    public int Width { get; init; } = 320;

    public int Height { get; init; } = 360;

    public int Frames { get; init; } = 96;

    public double Fps { get; init; } = 24;

    public double ShutterAngle { get; init; } = 180;

    /// <summary>Top-to-bottom readout time; 0 is a global shutter.</summary>
    public double ReadoutSeconds { get; init; } = 0.015;

    /// <summary>The light's modulation frequency.</summary>
    public double FrequencyHz { get; init; } = 100;

    /// <summary>Sinusoidal modulation depth of the light (0–1).</summary>
    public double Depth { get; init; } = 0.2;

    public LogCurve Curve { get; init; } = LogCurve.LogC3;

    public int BitDepth { get; init; } = 16;

    public int Seed { get; init; } = 3;
}

/// <summary>
/// Renders frames of a textured grey scene under L(t) = 1 + m·sin(2πft + φ). Row r of frame k integrates the light over
/// [k/fps + r·t_line, … + t_e] exactly, so banding, rolling and the shutter's sinc attenuation come out as a camera
/// would record them.
/// </summary>
public static class FlickerRenderer
{
    public static IEnumerable<RasterImage> Render(FlickerSpec spec)
    {
        var random = new Random(spec.Seed);
        var texture = new double[spec.Width * spec.Height];
        for (var y = 0; y < spec.Height; y++)
        {
            for (var x = 0; x < spec.Width; x++)
            {
                // A vertical gradient and soft patches: scene structure the detector has to see through.
                texture[y * spec.Width + x] = 0.18 * (0.7 + 0.6 * y / spec.Height) * (1 + 0.1 * Math.Sin(x / 9.0) * Math.Cos(y / 13.0));
            }
        }

        var phase = random.NextDouble() * 2 * Math.PI;
        var te = spec.ShutterAngle / 360 / spec.Fps;
        var line = spec.ReadoutSeconds / spec.Height;
        var w = 2 * Math.PI * spec.FrequencyHz;
        var max = (1 << spec.BitDepth) - 1;
        for (var k = 0; k < spec.Frames; k++)
        {
            var image = new RasterImage(spec.Width, spec.Height, 3, spec.BitDepth);
            for (var y = 0; y < spec.Height; y++)
            {
                var t0 = k / spec.Fps + y * line;
                // Mean of 1 + m·sin(ωt + φ) over [t0, t0 + te].
                var level = 1 + spec.Depth * (Math.Cos(w * t0 + phase) - Math.Cos(w * (t0 + te) + phase)) / (w * te);
                for (var x = 0; x < spec.Width; x++)
                {
                    var code = (ushort)Math.Clamp(Math.Round(LogCurves.Encode(spec.Curve, texture[y * spec.Width + x] * level) * max), 0, max);
                    var o = (y * spec.Width + x) * 3;
                    image.Samples[o] = code;
                    image.Samples[o + 1] = code;
                    image.Samples[o + 2] = code;
                }
            }

            yield return image;
        }
    }
}
