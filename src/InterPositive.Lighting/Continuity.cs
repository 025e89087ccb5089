using System.Globalization;

namespace InterPositive.Lighting;

/// <summary>Thresholds beyond which a change between takes of one scene and setup is flagged.</summary>
public sealed record ContinuityThresholds
{
    public double CctKelvin { get; init; } = 150;

    public double Duv { get; init; } = 0.003;

    public double ExposureStops { get; init; } = 1.0 / 3;

    public double KeyDirectionDeg { get; init; } = 20;

    /// <summary>Below this confidence a light-colour change is not flagged: the estimate is too weak to accuse the gaffer.</summary>
    public double MinimumConfidence { get; init; } = 0.3;

    public static ContinuityThresholds Default { get; } = new();
}

/// <summary>
/// Continuity between takes of the same scene and setup: a pure comparison of two lighting records. The caller chooses
/// the reference (normally the previous take, or the circled take) from the clips' scene/take metadata.
/// </summary>
public static class Continuity
{
    /// <summary>The alerts raised by <paramref name="take"/> against <paramref name="reference"/>.</summary>
    public static List<LightingAlert> Compare(LightingRecord reference, LightingRecord take, string? referenceClip = null, ContinuityThresholds? thresholds = null)
    {
        var t = thresholds ?? ContinuityThresholds.Default;
        var alerts = new List<LightingAlert>();
        var confident = reference.Light.Confidence >= t.MinimumConfidence && take.Light.Confidence >= t.MinimumConfidence;
        if (confident && reference.Light.Cct is { } c0 && take.Light.Cct is { } c1)
        {
            var delta = c1 - c0;
            if (Math.Abs(delta) > t.CctKelvin)
            {
                alerts.Add(new LightingAlert("cct", Invariant($"light colour changed {delta:+0;-0} K ({c0:0} K → {c1:0} K)"), referenceClip, delta, t.CctKelvin));
            }
        }

        if (confident && reference.Light.Duv is { } d0 && take.Light.Duv is { } d1)
        {
            var delta = d1 - d0;
            if (Math.Abs(delta) > t.Duv)
            {
                var towards = delta > 0 ? "green" : "magenta";
                alerts.Add(new LightingAlert("duv", Invariant($"light shifted towards {towards}: Duv {d0:+0.0000;-0.0000} → {d1:+0.0000;-0.0000}"), referenceClip, delta, t.Duv));
            }
        }

        var stops = take.Exposure.AverageStops - reference.Exposure.AverageStops;
        if (Math.Abs(stops) > t.ExposureStops)
        {
            alerts.Add(new LightingAlert("exposure", Invariant($"exposure changed {stops:+0.00;-0.00} stops"), referenceClip, stops, t.ExposureStops));
        }

        if (reference.Contrast.KeyAzimuthDeg is { } a0 && take.Contrast.KeyAzimuthDeg is { } a1
            && reference.Contrast.KeyElevationDeg is { } e0 && take.Contrast.KeyElevationDeg is { } e1)
        {
            var angle = AngleBetween(a0, e0, a1, e1);
            if (angle > t.KeyDirectionDeg)
            {
                alerts.Add(new LightingAlert("keyDirection", Invariant($"key light moved {angle:0}° (azimuth {a0:0}° → {a1:0}°, elevation {e0:0}° → {e1:0}°)"), referenceClip, angle, t.KeyDirectionDeg));
            }
        }

        if (take.Flicker.Detected && !reference.Flicker.Detected)
        {
            var f = take.Flicker.FrequencyHz ?? 0;
            alerts.Add(new LightingAlert("flicker", Invariant($"flicker appeared at {f:0.#} Hz, {take.Flicker.DepthPct:0.#} % deep"), referenceClip, f, 0));
        }

        return alerts;
    }

    /// <summary>Great-circle angle between two light directions given as azimuth/elevation in degrees.</summary>
    public static double AngleBetween(double azimuth0, double elevation0, double azimuth1, double elevation1)
    {
        static (double, double, double) Dir(double az, double el)
        {
            var a = az * Math.PI / 180;
            var e = el * Math.PI / 180;
            return (Math.Cos(e) * Math.Cos(a), Math.Cos(e) * Math.Sin(a), Math.Sin(e));
        }

        var (x0, y0, z0) = Dir(azimuth0, elevation0);
        var (x1, y1, z1) = Dir(azimuth1, elevation1);
        return Math.Acos(Math.Clamp(x0 * x1 + y0 * y1 + z0 * z1, -1, 1)) * 180 / Math.PI;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
