using InterPositive.Lighting;
using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;
using InterPositive.Relight.Media;
using InterPositive.Relight.Models;
using InterPositive.Relight.Runtime;

namespace InterPositive.Relight.Passes;

/// <summary>One match of a take to a reference take.</summary>
/// <param name="Take">The take to change: a still, a folder of numbered stills or a clip.</param>
/// <param name="Reference">The take to match.</param>
/// <param name="Output">Where the matched take goes (a still, a numbered sequence or a preview clip, as relight writes).</param>
/// <param name="Curve">Both takes' transfer curve.</param>
/// <param name="Gamut">Both takes' camera gamut.</param>
/// <param name="TakeRecord">The take's lighting record from the catalog, when it has one; analysed here otherwise.</param>
/// <param name="ReferenceRecord">The reference's lighting record from the catalog, when it has one.</param>
/// <param name="WhiteBalanceKelvin">The camera white balance of both takes, when known.</param>
/// <param name="AnalysisFrames">How many frames of a clip or sequence are analysed on the fly.</param>
/// <param name="MaxFrames">Write only the first frames of a clip (a preview of the match).</param>
public sealed record MatchRequest(string Take, string Reference, string Output, TransferCurve Curve, Gamut Gamut, LightingRecord? TakeRecord = null, LightingRecord? ReferenceRecord = null, double? WhiteBalanceKelvin = null, int AnalysisFrames = 48, long? MaxFrames = null);

/// <summary>The changes that bring a take to its reference, as the relight applies them.</summary>
/// <param name="FromKelvin">The take's light (CCT) the lamp change starts from; null when the light colour is not changed.</param>
/// <param name="FromTint">The take's light tint, relight units (0.001 Duv towards magenta per unit).</param>
/// <param name="ToKelvin">The reference's light.</param>
/// <param name="ToTint">The reference's light tint.</param>
/// <param name="ExposureStops">Exposure change.</param>
/// <param name="Key">Key/fill change (relight convention), when the key/fill ratios differ by a quarter stop or more.</param>
/// <param name="LightingFrom">Where the lighting records came from: catalog or analysed.</param>
public sealed record MatchChanges(double? FromKelvin, double? FromTint, double? ToKelvin, double? ToTint, double ExposureStops, KeyChange? Key, string LightingFrom);

/// <summary>How far one take's light is from the reference's (take minus reference).</summary>
/// <param name="CctK">Light colour temperature difference, kelvin.</param>
/// <param name="DeltaUv">Distance of the light chromaticities in CIE 1960 uv (0.001 ≈ just noticeable side by side).</param>
/// <param name="ExposureStops">Log-average exposure difference.</param>
/// <param name="KeyFillStops">Key-to-fill difference from the SH fits.</param>
/// <param name="KeyAngleDeg">Angle between the key directions from the SH fits.</param>
public sealed record MatchDifference(double? CctK, double? DeltaUv, double ExposureStops, double KeyFillStops, double KeyAngleDeg);

/// <summary>What <c>interpositive match --json</c> prints.</summary>
public sealed record MatchReport(string Take, string Reference, string Output, MatchChanges Changes, MatchDifference Before, MatchDifference After, RelightReport Relight)
{
    /// <summary>The look adjustment an accepted match stores and sends to post: the changes and the differences, no paths or timings.</summary>
    public MatchAdjustment Adjustment(string referenceClip) => new(referenceClip, Changes, Before, After);
}

/// <summary>A match as the clip's look adjustment.</summary>
public sealed record MatchAdjustment(string ReferenceClip, MatchChanges Changes, MatchDifference Before, MatchDifference After);

/// <summary>
/// Matches one take to another from their lighting: the lamp colour change (von Kries in the camera's RGB, from the
/// take's measured light to the reference's), the exposure change and a key/fill change (from the SH fits' key
/// directions and key-to-fill ratios), refined once on a representative frame, applied through the relight model,
/// and checked by re-analysing the written result against the reference. The CLI verb, the API and the service
/// call this one component.
/// </summary>
public sealed class TakeMatcher(IRelightModel model, TimeProvider time)
{
    /// <summary>Light colours whose measurement is less sure than this are not changed (too weak to act on).</summary>
    public const double MinimumConfidence = 0.3;

    /// <summary>Key-to-fill differences below this are left alone.</summary>
    public const double KeyFillTolerance = 0.25;

    public async Task<MatchReport> RunAsync(MatchRequest request, CancellationToken cancellationToken)
    {
        var take = await MeasureAsync(request.Take, request.Curve, request.Gamut, request.WhiteBalanceKelvin, request.TakeRecord, request.AnalysisFrames, cancellationToken);
        var reference = await MeasureAsync(request.Reference, request.Curve, request.Gamut, request.WhiteBalanceKelvin, request.ReferenceRecord, request.AnalysisFrames, cancellationToken);
        var lightingFrom = request.TakeRecord is not null && request.ReferenceRecord is not null ? "catalog" : "analysed";
        var settings = Plan(take, reference, request, out var changes, lightingFrom);

        // Refine the exposure once on the take's representative frame: the key change adds light on the key side.
        var matched = Apply(settings, take.Frame, cancellationToken);
        var measured = Meter(OutputCurve(settings), OutputGamut(settings), request.WhiteBalanceKelvin);
        measured.Add(matched.Values, matched.Height, matched.Width);
        var residual = Stops(reference) - (measured.Record(request.Take).Exposure?.AverageStops ?? 0);
        if (Math.Abs(residual) > 0.02)
        {
            settings = settings with { ExposureStops = Math.Clamp(settings.ExposureStops + residual, -10, 10) };
            changes = changes with { ExposureStops = Math.Round(settings.ExposureStops, 3) };
        }

        var relighter = new Relighter(model, time);
        var report = await relighter.RunAsync(new RelightRequest(request.Take, request.Output, settings, Depth: 16, MaxFrames: request.MaxFrames), cancellationToken);
        var written = await MeasureAsync(OutputInput(request.Output), OutputCurve(settings), OutputGamut(settings), request.WhiteBalanceKelvin, null, request.AnalysisFrames, cancellationToken);
        return new MatchReport(request.Take, request.Reference, request.Output, changes, Difference(take, reference), Difference(written, reference), report);
    }

    /// <summary>A take's light: its lighting record (given, or analysed over its first frames), representative frame and SH fit.</summary>
    public sealed record Measured(LightingRecord Record, PlanarFrame Frame, ShLighting Sh, KeyLight Key);

    public static async Task<Measured> MeasureAsync(string path, TransferCurve curve, Gamut gamut, double? whiteBalanceKelvin, LightingRecord? record, int frames, CancellationToken cancellationToken)
    {
        var meter = Meter(curve, gamut, whiteBalanceKelvin);
        PlanarFrame? first = null;
        await foreach (var item in TakeFrames.ReadAsync(path, record is null ? frames : 1, cancellationToken))
        {
            first ??= item.Frame;
            if (record is null)
            {
                meter.Add(item.Frame.Values, item.Frame.Height, item.Frame.Width);
            }
        }

        if (first is null)
        {
            throw new InvalidDataException($"{path}: no frames");
        }

        var settings = new RelightSettings { InputCurve = curve, CameraGamut = gamut, Output = OutputKind.Linear };
        var sh = TakePreparation.SourceLighting(settings, first.Values, first.Height, first.Width, default);
        return new Measured(record ?? meter.Record(path), first, sh, KeyLight.Of(sh, gamut));
    }

    /// <summary>The relight's own meter (the lighting analysis), with the camera's white balance as relight assumes it.</summary>
    private static LampMeter Meter(TransferCurve curve, Gamut gamut, double? whiteBalanceKelvin) =>
        new(new RelightSettings { InputCurve = curve, CameraGamut = gamut, CameraKelvin = whiteBalanceKelvin ?? PassExporter.CameraDefaultKelvin });

    /// <summary>The relight settings that bring <paramref name="take"/> to <paramref name="reference"/>.</summary>
    public static RelightSettings Plan(Measured take, Measured reference, MatchRequest request, out MatchChanges changes, string lightingFrom = "analysed")
    {
        var settings = OutputFor(request);
        double? fromK = null, fromTint = null, toK = null, toTint = null;
        var (t, r) = (take.Record.Light ?? new(), reference.Record.Light ?? new());
        if (t.Confidence >= MinimumConfidence && r.Confidence >= MinimumConfidence && t is { Cct: { } tk, Duv: { } td } && r is { Cct: { } rk, Duv: { } rd }
            && tk is >= 1000 and <= 25000 && rk is >= 1000 and <= 25000)
        {
            // The lamp change takes the take's light to the reference's. Von Kries adaptations in one cone space commute,
            // so the camera's own white balance, applied to both, drops out.
            (fromK, fromTint, toK, toTint) = (tk, Math.Clamp(-td * 1000, -100, 100), rk, Math.Clamp(-rd * 1000, -100, 100));
            settings = settings with { SourceLamp = SourceLamps.FromLight(t, settings, "the take's lighting"), LampKelvin = rk, LampTint = toTint.Value };
        }

        var exposure = Math.Clamp(Stops(reference) - Stops(take), -10, 10);
        KeyChange? key = null;
        var keyFill = reference.Key.KeyFillStops - take.Key.KeyFillStops;
        if (Math.Abs(keyFill) >= KeyFillTolerance)
        {
            // More (or less) light from where the reference's key comes from, by the key-to-fill difference.
            key = new KeyChange(Math.Clamp(reference.Key.RelightAzimuthDeg, -180, 180), Math.Clamp(reference.Key.RelightElevationDeg, -90, 90), Math.Round(Math.Clamp(keyFill, -6, 6), 3));
        }

        settings = settings with { ExposureStops = exposure, Key = key, SourceLighting = key is null ? null : take.Sh };
        changes = new MatchChanges(fromK, fromTint is { } ft ? Math.Round(ft, 2) : null, toK, toTint is { } tt ? Math.Round(tt, 2) : null, Math.Round(exposure, 3), key, lightingFrom);
        return settings;
    }

    /// <summary>Take minus reference.</summary>
    public static MatchDifference Difference(Measured take, Measured reference)
    {
        var (t, r) = (take.Record.Light ?? new(), reference.Record.Light ?? new());
        double? cct = t.Cct is { } a && r.Cct is { } b ? Math.Round(a - b, 0) : null;
        double? uv = null;
        if (t is { X: { } tx, Y: { } ty } && r is { X: { } rx, Y: { } ry })
        {
            var (tu, tv) = Chromaticity.XyToUv(tx, ty);
            var (ru, rv) = Chromaticity.XyToUv(rx, ry);
            uv = Math.Round(Math.Sqrt(((tu - ru) * (tu - ru)) + ((tv - rv) * (tv - rv))), 5);
        }

        var angle = Continuity.AngleBetween(take.Key.AzimuthDeg, take.Key.ElevationDeg, reference.Key.AzimuthDeg, reference.Key.ElevationDeg);
        return new MatchDifference(cct, uv, Math.Round(Stops(take) - Stops(reference), 3), Math.Round(take.Key.KeyFillStops - reference.Key.KeyFillStops, 3), Math.Round(angle, 1));
    }

    private static double Stops(Measured m) => m.Record.Exposure?.AverageStops ?? 0;

    /// <summary>Output in the take's own encoding where the output format allows it, so the result cuts in with the reference.</summary>
    private static RelightSettings OutputFor(MatchRequest request)
    {
        var settings = new RelightSettings { InputCurve = request.Curve, CameraGamut = request.Gamut, CameraKelvin = request.WhiteBalanceKelvin ?? PassExporter.CameraDefaultKelvin };
        var previewClip = Ffmpeg.IsClip(request.Output);
        if (request.Curve.IsLog && !previewClip)
        {
            return settings with { Output = OutputKind.Log };
        }

        if (request.Curve is LinearTransfer && !previewClip)
        {
            return settings with { Output = OutputKind.Linear };
        }

        return settings with
        {
            Output = OutputKind.Display,
            DisplayCurve = request.Curve as PowerTransfer ?? PowerTransfer.Gamma24,
            DisplayGamut = request.Gamut is Gamut.Rec709 or Gamut.Rec2020 ? request.Gamut : Gamut.Rec709,
        };
    }

    private static TransferCurve OutputCurve(RelightSettings s) => s.Output switch
    {
        OutputKind.Log => s.InputCurve,
        OutputKind.Linear => LinearTransfer.Instance,
        _ => s.DisplayCurve,
    };

    private static Gamut OutputGamut(RelightSettings s) => s.Output == OutputKind.Display ? s.DisplayGamut : s.CameraGamut;

    /// <summary>What to read the written output back from: the file, or the folder of a numbered sequence.</summary>
    private static string OutputInput(string output) => output.Contains('%', StringComparison.Ordinal) ? Path.GetDirectoryName(Path.GetFullPath(output))! : output;

    private PlanarFrame Apply(RelightSettings settings, PlanarFrame frame, CancellationToken cancellationToken)
    {
        var prepared = model.Prepare(settings, frame.Values, frame.Height, frame.Width);
        using var input = TensorBuffer.From(frame.Values, 1, 3, frame.Height, frame.Width);
        using var output = new TensorBuffer(1, 3, frame.Height, frame.Width);
        model.Run(prepared, input, null, output, cancellationToken);
        return frame with { Values = output.Span.ToArray() };
    }
}
