using System.Buffers;

namespace InterPositive.Relight.Runtime;

/// <summary>
/// The estimated normal field of a shot so far, smoothed over time pixel by pixel so that a relit key change does not
/// shimmer with the sensor noise the estimator reads as relief. A recursive (exponential) filter: each frame's normal
/// moves the kept one by a weight that starts as a running mean and settles at <see cref="Weight"/> (a time constant
/// of <see cref="TimeConstant"/> frames); where a pixel's new normal differs from the kept one by more than noise does
/// (<see cref="Still"/> to <see cref="Follow"/>, as the length of the difference of unit normals), the weight rises to 1
/// so that a moving subject or a drifting view is followed, not smeared. The caller resets it at cuts and camera moves
/// (the take's own re-estimates), where the picture's geometry is new.
/// <para>
/// Memory: one low-resolution field (3 floats a pixel of the estimator's frame), rented from the shared pool when
/// first needed, kept across resets and returned on <see cref="Dispose"/>. One clip at a time: not thread-safe.
/// </para>
/// </summary>
public sealed class NormalHistory : IDisposable
{
    /// <summary>Time constant of the filter on a still pixel, in frames (a sixth of a second at 24 fps).</summary>
    public const double TimeConstant = 4;

    /// <summary>Below this difference from the kept normal a pixel is taken as still (noise): smoothed fully.</summary>
    public const float Still = 0.12f;

    /// <summary>From this difference on (about 17°) a pixel follows its new normal at once.</summary>
    public const float Follow = 0.35f;

    private float[]? _field;
    private int _length;

    /// <summary>Weight of a new frame on a still pixel once settled: 1 − e^(−1/τ).</summary>
    public static float Weight { get; } = (float)(1 - Math.Exp(-1 / TimeConstant));

    /// <summary>Frames smoothed since the last reset (0: the next frame is kept as it is).</summary>
    public int Frames { get; private set; }

    /// <summary>Forgets the shot: the next frame's normals are kept as they are.</summary>
    public void Reset() => Frames = 0;

    /// <summary>
    /// Smooths one frame's unit normals (planar [3,H,W]) with the history and writes the result back in place; the
    /// result becomes the history. A frame of another size starts afresh.
    /// </summary>
    public void Smooth(Span<float> normals)
    {
        ObjectDisposedException.ThrowIf(_length < 0, this);
        if (normals.Length % 3 != 0)
        {
            throw new ArgumentException("normals must be planar [3,H,W]", nameof(normals));
        }

        if (Frames == 0 || normals.Length != _length)
        {
            if (_field is null || _field.Length < normals.Length)
            {
                if (_field is not null)
                {
                    ArrayPool<float>.Shared.Return(_field);
                }

                _field = ArrayPool<float>.Shared.Rent(normals.Length);
            }

            _length = normals.Length;
            normals.CopyTo(_field);
            Frames = 1;
            return;
        }

        // A running mean for the first frames of a shot, then the settled weight.
        var baseWeight = Math.Max(Weight, 1f / (Frames + 1));
        var pixels = _length / 3;
        var field = _field.AsSpan(0, _length);
        var fx = field[..pixels];
        var fy = field.Slice(pixels, pixels);
        var fz = field.Slice(2 * pixels, pixels);
        var nx = normals[..pixels];
        var ny = normals.Slice(pixels, pixels);
        var nz = normals.Slice(2 * pixels, pixels);
        const float ramp = 1 / (Follow - Still);
        for (var i = 0; i < pixels; i++)
        {
            float dx = nx[i] - fx[i], dy = ny[i] - fy[i], dz = nz[i] - fz[i];
            var difference = MathF.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
            var a = baseWeight + ((1 - baseWeight) * Math.Clamp((difference - Still) * ramp, 0, 1));
            float x = fx[i] + (a * dx), y = fy[i] + (a * dy), z = fz[i] + (a * dz);
            var inverse = 1 / MathF.Sqrt(MathF.Max((x * x) + (y * y) + (z * z), 1e-12f));
            (x, y, z) = (x * inverse, y * inverse, z * inverse);
            (fx[i], fy[i], fz[i]) = (x, y, z);
            (nx[i], ny[i], nz[i]) = (x, y, z);
        }

        Frames++;
    }

    public void Dispose()
    {
        if (_field is { } field)
        {
            _field = null;
            ArrayPool<float>.Shared.Return(field);
        }

        _length = -1;
    }
}
