using InterPositive.Relight.Colour;
using InterPositive.Relight.Models;

namespace InterPositive.Relight.Media;

/// <summary>Why a clip's per-take parameters were estimated at a frame.</summary>
public static class EstimateReason
{
    public const string Start = "start";

    /// <summary>The picture changed at once between two frames: a new shot, estimated afresh.</summary>
    public const string Cut = "cut";

    /// <summary>The picture drifted from the one the parameters came from (a pan, a move, a subject): estimated again and eased in.</summary>
    public const string Move = "camera move";
}

/// <summary>One estimate of a clip's per-take parameters, as <c>relight --json</c> lists them.</summary>
/// <param name="Frame">First frame it was made on.</param>
/// <param name="Reason">One of <see cref="EstimateReason"/>.</param>
/// <param name="SourceLamp">The lamp measured there (what the parameters ease towards).</param>
public sealed record TakeEstimate(long Frame, string Reason, SourceLamp SourceLamp);

/// <summary>
/// A small fingerprint of a frame for telling a cut or a camera move from noise: 16×9 cells, each the mean of a 4×4
/// sample grid of code values per channel, so sensor noise averages out and the picture's layout stays.
/// </summary>
public static class FrameSignature
{
    public const int Columns = 16;
    public const int Rows = 9;
    private const int Samples = 4;

    /// <summary>Mean absolute difference of code values between two frames over which a cut is called.</summary>
    public const double CutThreshold = 0.1;

    /// <summary>Mean absolute difference from the estimate's frame over which the view is taken to have moved.</summary>
    public const double MoveThreshold = 0.03;

    public static float[] Of(ReadOnlySpan<float> planar, int height, int width)
    {
        var signature = new float[3 * Columns * Rows];
        var pixels = height * width;
        for (var c = 0; c < 3; c++)
        {
            for (var cy = 0; cy < Rows; cy++)
            {
                for (var cx = 0; cx < Columns; cx++)
                {
                    var sum = 0f;
                    for (var sy = 0; sy < Samples; sy++)
                    {
                        var y = Math.Min(height - 1, (int)(((cy * Samples) + sy + 0.5) * height / (Rows * Samples)));
                        for (var sx = 0; sx < Samples; sx++)
                        {
                            var x = Math.Min(width - 1, (int)(((cx * Samples) + sx + 0.5) * width / (Columns * Samples)));
                            sum += planar[(c * pixels) + (y * width) + x];
                        }
                    }

                    signature[(c * Rows * Columns) + (cy * Columns) + cx] = sum / (Samples * Samples);
                }
            }
        }

        return signature;
    }

    public static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += Math.Abs(a[i] - b[i]);
        }

        return sum / a.Length;
    }
}

/// <summary>
/// A clip's per-take parameters over time: estimated on the first frames, afresh after a cut, and again when the view
/// moves, each new estimate eased in over <see cref="EaseFrames"/> frames (the lamp in mired and tint, the SH
/// lighting coefficient by coefficient) so the relight never jumps inside a shot. A locked-off shot keeps one estimate:
/// its relit frames change only as much as its input does.
/// </summary>
public sealed class TakeTracker(RelightSettings settings)
{
    /// <summary>Time constant of the easing, in frames (half a second at 24 fps).</summary>
    public const double EaseFrames = 12;

    private readonly List<TakeEstimate> _estimates = [];
    private float[]? _reference;
    private (double Mired, double Tint, SourceLamp Lamp)? _lamp;
    private (double Mired, double Tint)? _target;
    private double[]? _lighting;
    private double[]? _targetLighting;
    private RelightSettings? _current;
    private double _weight;

    public IReadOnlyList<TakeEstimate> Estimates => _estimates;

    /// <summary>
    /// Whether a batch needs a new estimate, and why: its first frame follows a cut
    /// (<paramref name="cut"/>, the decoder's finding) or has drifted from the estimate's frame.
    /// </summary>
    public string? NeedsEstimate(bool cut, float[] signature)
    {
        if (_reference is null)
        {
            return EstimateReason.Start;
        }

        if (cut)
        {
            return EstimateReason.Cut;
        }

        return FrameSignature.Distance(signature, _reference) > FrameSignature.MoveThreshold ? EstimateReason.Move : null;
    }

    /// <summary>
    /// Takes a new estimate: at the start or after a cut it applies at once. After a move the shot's lamps are the same
    /// lamps seen over other surfaces, so the target becomes the confidence-weighted mean (in mired and tint) of the
    /// shot's measurements, eased in; an unsure one (the camera-balance fallback) leaves a measured target alone.
    /// </summary>
    public void Estimate(long frame, string reason, float[] signature, SourceLamp lamp, ShLighting? lighting)
    {
        _reference = signature;
        _estimates.Add(new TakeEstimate(frame, reason, lamp));
        var mired = 1e6 / lamp.Kelvin;
        var weight = lamp.Origin == LampOrigin.Measured ? lamp.Confidence : 0;
        if (reason != EstimateReason.Move || _lamp is not { } current || _target is not { } target)
        {
            _lamp = (mired, lamp.Tint, lamp);
            _target = (mired, lamp.Tint);
            _weight = weight;
            _lighting = lighting?.Values.ToArray();
        }
        else if (weight > 0 || _weight == 0)
        {
            var total = _weight + weight;
            _target = total > 0
                ? (((_weight * target.Mired) + (weight * mired)) / total, ((_weight * target.Tint) + (weight * lamp.Tint)) / total)
                : (mired, lamp.Tint);
            _weight = total;
            _lamp = current with { Lamp = lamp with { Confidence = Math.Round(Math.Min(1, total), 3) } };
        }

        _targetLighting = lighting?.Values.ToArray();
        _current = null;
    }

    /// <summary>The settings for the next <paramref name="frames"/> frames, easing the parameters towards the last estimate.</summary>
    public RelightSettings Next(int frames)
    {
        if (_lamp is not { } lamp || _target is not { } target)
        {
            throw new InvalidOperationException("no estimate yet");
        }

        // Settled: the same settings object, so the caller keeps its prepared take.
        var settled = Math.Abs(target.Mired - lamp.Mired) < 1e-3 && Math.Abs(target.Tint - lamp.Tint) < 1e-3
            && (_lighting is null || _targetLighting is null || _lighting.Zip(_targetLighting).All(p => Math.Abs(p.First - p.Second) < 1e-6));
        if (settled && _current is not null)
        {
            return _current;
        }

        var a = settled ? 1 : 1 - Math.Exp(-frames / EaseFrames);
        var mired = lamp.Mired + (a * (target.Mired - lamp.Mired));
        var tint = lamp.Tint + (a * (target.Tint - lamp.Tint));
        _lamp = (mired, tint, lamp.Lamp);
        if (_lighting is { } current && _targetLighting is { } goal)
        {
            for (var i = 0; i < current.Length; i++)
            {
                current[i] += a * (goal[i] - current[i]);
            }
        }
        else
        {
            _lighting = _targetLighting?.ToArray();
        }

        var source = lamp.Lamp with { Kelvin = Math.Round(1e6 / mired, 1), Tint = Math.Round(tint, 2) };
        _current = settings with
        {
            SourceLamp = settings.SourceLamp ?? source,
            SourceLighting = settings.SourceLighting ?? (_lighting is null ? null : new ShLighting([.. _lighting])),
        };
        return _current;
    }
}
