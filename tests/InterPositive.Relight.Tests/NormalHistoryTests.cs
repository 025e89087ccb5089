using InterPositive.Relight.Runtime;

namespace InterPositive.Relight.Tests;

/// <summary>Issue 16 point 3: the estimated normals of a shot smoothed over time, pixel by pixel.</summary>
[Trait("Category", "Unit")]
public sealed class NormalHistoryTests
{
    private const int Pixels = 4000;

    [Fact]
    public void A_shot_s_first_frame_is_kept_as_it_is_and_a_reset_starts_afresh()
    {
        using var history = new NormalHistory();
        var truth = Field(1);
        var first = Noisy(truth, 0.03, 2);
        var kept = (float[])first.Clone();
        history.Smooth(kept);
        Assert.Equal(first, kept);
        Assert.Equal(1, history.Frames);

        history.Smooth(Noisy(truth, 0.03, 3));
        history.Reset();
        var after = Noisy(truth, 0.03, 4);
        var again = (float[])after.Clone();
        history.Smooth(again);
        Assert.Equal(after, again);
        Assert.Equal(1, history.Frames);
    }

    [Fact]
    public void Noise_on_a_still_field_is_smoothed_and_the_field_stays_unit_length()
    {
        using var history = new NormalHistory();
        var truth = Field(5);
        var inputs = Enumerable.Range(0, 24).Select(f => Noisy(truth, 0.03, 10 + f)).ToArray();
        var outputs = inputs.Select(f =>
        {
            var copy = (float[])f.Clone();
            history.Smooth(copy);
            return copy;
        }).ToArray();

        // Once settled (after 8 frames): frame-to-frame change and error against the truth, against the input's.
        var stepIn = Enumerable.Range(9, 15).Average(f => Distance(inputs[f], inputs[f - 1]));
        var stepOut = Enumerable.Range(9, 15).Average(f => Distance(outputs[f], outputs[f - 1]));
        var errorIn = Enumerable.Range(8, 16).Average(f => Distance(inputs[f], truth));
        var errorOut = Enumerable.Range(8, 16).Average(f => Distance(outputs[f], truth));
        // An exponential filter of weight a moves a still pixel by about a·√(1 + a/(2 − a)) of the noise a frame where
        // the input moves by √2 of it: 0.2× for a = 0.22; its error is √(a/(2 − a)), 0.35×.
        Assert.InRange(stepOut / stepIn, 0, 0.3);
        Assert.InRange(errorOut / errorIn, 0, 0.5);
        for (var i = 0; i < Pixels; i++)
        {
            var o = outputs[^1];
            Assert.Equal(1, Math.Sqrt((o[i] * o[i]) + (o[Pixels + i] * o[Pixels + i]) + (o[(2 * Pixels) + i] * o[(2 * Pixels) + i])), 1e-5);
        }
    }

    [Fact]
    public void A_pixel_that_turns_further_than_noise_does_follows_at_once()
    {
        using var history = new NormalHistory();
        var facing = Uniform(0, 0, 1);
        for (var f = 0; f < 6; f++)
        {
            history.Smooth((float[])facing.Clone());
        }

        // 30° away (a difference of 0.52, past Follow): taken as it is.
        var turned = Uniform(0.5f, 0, MathF.Sqrt(0.75f));
        var result = (float[])turned.Clone();
        history.Smooth(result);
        for (var i = 0; i < result.Length; i++)
        {
            Assert.Equal(turned[i], result[i], 1e-6);
        }

        // 3° (0.05, under Still): smoothed at the settled weight.
        var nudged = Uniform(0.5f + 0.05f, 0, MathF.Sqrt(1 - (0.55f * 0.55f)));
        var smoothed = (float[])nudged.Clone();
        history.Smooth(smoothed);
        Assert.Equal(0.5f + (NormalHistory.Weight * 0.05f), smoothed[0], 5e-3);
    }

    /// <summary>A smooth field of unit normals (a relief of bumps), planar [3, Pixels].</summary>
    private static float[] Field(int seed)
    {
        var random = new Random(seed);
        var (fx, fy) = (random.NextDouble() * 0.1, random.NextDouble() * 0.1);
        var field = new float[3 * Pixels];
        for (var i = 0; i < Pixels; i++)
        {
            double x = 0.5 * Math.Sin(i * fx), y = 0.4 * Math.Cos(i * fy), z = 1;
            var length = Math.Sqrt((x * x) + (y * y) + (z * z));
            (field[i], field[Pixels + i], field[(2 * Pixels) + i]) = ((float)(x / length), (float)(y / length), (float)(z / length));
        }

        return field;
    }

    private static float[] Noisy(float[] field, double sigma, int seed)
    {
        var random = new Random(seed);
        var result = new float[field.Length];
        for (var i = 0; i < Pixels; i++)
        {
            var v = new double[3];
            for (var c = 0; c < 3; c++)
            {
                // Box–Muller.
                var g = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                v[c] = field[(c * Pixels) + i] + (sigma * g);
            }

            var length = Math.Sqrt(v.Sum(x => x * x));
            for (var c = 0; c < 3; c++)
            {
                result[(c * Pixels) + i] = (float)(v[c] / length);
            }
        }

        return result;
    }

    private static float[] Uniform(float x, float y, float z) =>
        [.. Enumerable.Repeat(x, Pixels), .. Enumerable.Repeat(y, Pixels), .. Enumerable.Repeat(z, Pixels)];

    /// <summary>Mean length of the difference between two fields' normals.</summary>
    private static double Distance(float[] a, float[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < Pixels; i++)
        {
            double dx = a[i] - b[i], dy = a[Pixels + i] - b[Pixels + i], dz = a[(2 * Pixels) + i] - b[(2 * Pixels) + i];
            sum += Math.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
        }

        return sum / Pixels;
    }
}
