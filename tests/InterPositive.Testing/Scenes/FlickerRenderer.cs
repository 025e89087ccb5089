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

    /// <summary>Modulation depth of the light (0–1): sine 1 ± Depth; PWM between 1 and 1 − Depth.</summary>
    public double Depth { get; init; } = 0.2;

    public LampWaveform Waveform { get; init; } = LampWaveform.Sine;

    /// <summary>Share of each PWM cycle the lamp is on.</summary>
    public double Duty { get; init; } = 0.5;

    /// <summary>What stands in front of the camera.</summary>
    public FlickerSet Set { get; init; } = FlickerSet.Soft;

    /// <summary>Sensor and codec-like noise: Gaussian, per pixel and frame, relative to the pixel's level.</summary>
    public double Noise { get; init; }

    /// <summary>Exposure change over the whole take, in stops (a slow iris pull or a cloud), linear in time.</summary>
    public double ExposureRampStops { get; init; }

    /// <summary>The set moves up the frame by this many rows per frame (a slow tilt).</summary>
    public double TiltRowsPerFrame { get; init; }

    public LogCurve Curve { get; init; } = LogCurve.LogC3;

    public int BitDepth { get; init; } = 16;

    public int Seed { get; init; } = 3;
}

/// <summary>How a flickering lamp's output varies over a cycle.</summary>
public enum LampWaveform
{
    /// <summary>1 + m·sin(2πft + φ): a mains-driven lamp's ripple, a smoothed LED driver.</summary>
    Sine,

    /// <summary>On (1) for <see cref="FlickerSpec.Duty"/> of each cycle, 1 − m for the rest: a PWM-dimmed LED.</summary>
    Pwm,
}

/// <summary>The set in front of the camera.</summary>
public enum FlickerSet
{
    /// <summary>A vertical gradient with soft patches.</summary>
    Soft,

    /// <summary>
    /// The demo's set: an 18 % grey wall with ±12 % texture (sin(0.07x)·sin(0.05y) at 1080p scale), a sphere lit from the side and a row
    /// of colour patches: strong horizontal structure in the row profile.
    /// </summary>
    TexturedSet,

    /// <summary>The soft set with a slatted panel across the middle third: horizontal stripes of 60 % contrast, 24 rows apart at 360 rows.</summary>
    Stripes,
}

/// <summary>
/// Renders frames of a textured grey scene under a modulated lamp (sine or PWM). Row r of frame k integrates the light over
/// [k/fps + r·t_line, … + t_e] exactly, so banding, rolling and the shutter's sinc attenuation come out as a camera
/// would record them.
/// </summary>
public static class FlickerRenderer
{
    public static IEnumerable<RasterImage> Render(FlickerSpec spec)
    {
        var random = new Random(spec.Seed);
        var phase = random.NextDouble() * 2 * Math.PI;
        var te = spec.ShutterAngle / 360 / spec.Fps;
        var line = spec.ReadoutSeconds / spec.Height;
        var max = (1 << spec.BitDepth) - 1;
        for (var k = 0; k < spec.Frames; k++)
        {
            var image = new RasterImage(spec.Width, spec.Height, 3, spec.BitDepth);
            var gain = Math.Pow(2, spec.ExposureRampStops * k / Math.Max(1, spec.Frames - 1));
            for (var y = 0; y < spec.Height; y++)
            {
                var level = gain * Level(spec, k / spec.Fps + y * line, te, phase);
                var sceneY = y + spec.TiltRowsPerFrame * k;
                for (var x = 0; x < spec.Width; x++)
                {
                    var value = Reflectance(spec, x, sceneY) * level;
                    if (spec.Noise > 0)
                    {
                        value *= 1 + spec.Noise * Gaussian(random);
                    }

                    var code = (ushort)Math.Clamp(Math.Round(LogCurves.Encode(spec.Curve, Math.Max(value, 0)) * max), 0, max);
                    var o = (y * spec.Width + x) * 3;
                    image.Samples[o] = code;
                    image.Samples[o + 1] = code;
                    image.Samples[o + 2] = code;
                }
            }

            yield return image;
        }
    }

    /// <summary>Mean of the lamp's output over the exposure [t0, t0 + te], exactly.</summary>
    private static double Level(FlickerSpec spec, double t0, double te, double phase)
    {
        var f = spec.FrequencyHz;
        if (spec.Depth == 0 || f <= 0)
        {
            return 1;
        }

        if (spec.Waveform == LampWaveform.Sine)
        {
            var w = 2 * Math.PI * f;
            return 1 + spec.Depth * (Math.Cos(w * t0 + phase) - Math.Cos(w * (t0 + te) + phase)) / (w * te);
        }

        // On-time since t = 0 of a square wave starting its cycle at phase/2π.
        double OnTime(double t)
        {
            var u = f * t + phase / (2 * Math.PI);
            var whole = Math.Floor(u);
            return (whole * spec.Duty + Math.Min(u - whole, spec.Duty)) / f;
        }

        var on = (OnTime(t0 + te) - OnTime(t0)) / te;
        return 1 - spec.Depth + spec.Depth * on;
    }

    private static double Reflectance(FlickerSpec spec, int x, double y)
    {
        var w = spec.Width;
        var h = spec.Height;
        var soft = 0.18 * (0.7 + 0.6 * y / h) * (1 + 0.1 * Math.Sin(x / 9.0) * Math.Cos(y / 13.0));
        switch (spec.Set)
        {
            case FlickerSet.Stripes:
                return y > h / 3.0 && y < 2 * h / 3.0
                    ? 0.25 * (Math.Sin(2 * Math.PI * y / (h / 15.0)) > 0 ? 1 : 0.4)
                    : soft;
            case FlickerSet.TexturedSet:
                {
                    // The demo's proportions, scaled from 1920×1080 to this frame.
                    var sx = x * 1920.0 / w;
                    var sy = y * 1080.0 / h;
                    var dx = (x - 0.5 * w) / (0.28 * h);
                    var dy = (0.46 * h - y) / (0.28 * h);
                    var d2 = dx * dx + dy * dy;
                    if (d2 < 1)
                    {
                        var nz = Math.Sqrt(1 - d2);
                        return 0.45 * (0.25 + Math.Max(0, -0.6 * dx + 0.45 * dy + 0.66 * nz)) / 1.25;
                    }

                    if (y > 0.84 * h && y < 0.94 * h && x > 0.19 * w && x < 0.81 * w)
                    {
                        return 0.08 + 0.3 * ((int)((x - 0.19 * w) / (0.124 * w)) % 3) / 2;
                    }

                    return 0.18 * (1 + 0.12 * Math.Sin(sx * 0.07) * Math.Sin(sy * 0.05));
                }

            default:
                return soft;
        }
    }

    private static double Gaussian(Random random)
    {
        var u1 = 1 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
