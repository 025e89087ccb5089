namespace InterPositive.Lighting.Analysis;

/// <summary>What the flicker detector found in a window of frames.</summary>
/// <param name="Detected">A light modulation that moves through the frames stands clearly above the noise.</param>
/// <param name="FrequencyHz">The light's modulation frequency (null when nothing was detected).</param>
/// <param name="DepthPct">
/// What the pictures show: peak-to-peak of the banding (or of the frame-to-frame pulse) divided by the mean level, in
/// percent of linear light. It is the lamp's own modulation after the shutter's integration, so a 100 % modulated
/// 120 Hz lamp at 24 fps and 180° reads about 25 % (sinusoidal) or 40 % (square PWM); 0 when nothing was detected.
/// </param>
/// <param name="BeatHz">How fast bands roll or the level pulses in the footage: f folded into [0, fps/2].</param>
/// <param name="RollingShutterBanding">Bands across the frame were seen (not only a frame-to-frame pulse).</param>
/// <param name="SafeShutterAngles">Shutter angles at the take's frame rate that integrate whole cycles of the light.</param>
public sealed record FlickerResult(bool Detected, double? FrequencyHz, double DepthPct, double? BeatHz, bool RollingShutterBanding, double[] SafeShutterAngles)
{
    public static FlickerResult None { get; } = new(false, null, 0, null, false, []);

    /// <summary>
    /// Banding depth (peak-to-peak, % of the mean) against the light frequency it would come from, over the range
    /// searched: log-spaced bins from <see cref="FlickerDetector.MinimumHz"/> up with a rolling shutter; with a global
    /// shutter only the beat is seen, so the bins are beat frequencies from 0 to fps/2.
    /// </summary>
    public IReadOnlyList<SpectrumBin> Spectrum { get; init; } = [];
}

/// <summary>
/// Temporal and rolling-shutter flicker (formats-and-science §6). Each frame contributes its row-mean luminance
/// profile; row r of frame k saw the light around t = k/fps + r·t_line.
/// <para>
/// A static pattern is not flicker. Every row is divided by its mean over the window (the set, as lit on average), and
/// whatever changes slowly in each row (a quadratic in time: exposure ramps, clouds, slow pans and tilts over striped
/// set pieces) and in each frame (its level and a tilt across the rows) is projected out. What is left must be
/// explained by one light, L(t) = 1 + A·cos(2πf t + φ), seen at every row and frame: bands at the spatial frequency
/// f·t_line that move by f/fps cycles per frame. The fit is least squares on the projected basis, so the depth is
/// unbiased even when the bands crawl; the detection needs the fit's explained energy to stand 60 times above the
/// residual noise variance (a χ² with two degrees of freedom under noise alone), 20 times above the median of its
/// neighbourhood in frequency (coloured noise, picture motion), and the bands to be there, in phase, in each third
/// of the frame (a striped set piece is local; a lamp lights every row).
/// </para>
/// <para>
/// Limits: bands that do not move over the window (a light at a whole multiple of the frame rate, or a beat slower
/// than about half a cycle per window) cannot be told from the set's own horizontal detail and are not reported; nor
/// is anything in a single still. With a global shutter only the frame-to-frame pulse exists: the frequency is known
/// modulo the frame rate and is reported as the alias nearest mains flicker (100/120 Hz).
/// </para>
/// </summary>
public static class FlickerDetector
{
    /// <summary>Peak-to-peak banding below this (as a fraction of the mean) is not reported: below what a DIT sees on a monitor.</summary>
    public const double MinimumDepth = 0.006;

    public const double MinimumHz = 40;
    public const double MaximumHz = 2500;

    /// <summary>Bins of <see cref="FlickerResult.Spectrum"/> with a rolling shutter.</summary>
    public const int SpectrumBins = 96;

    private const double DetectionRatio = 60;
    private const double FloorRatio = 20;
    private const int MaxHarmonics = 5;
    private const int MaximumRows = 192;

    private static float[] Bin(ReadOnlySpan<float> data, int frames, int rows, int bin)
    {
        var binnedRows = rows / bin;
        var binned = new float[frames * binnedRows];
        for (var k = 0; k < frames; k++)
        {
            for (var r = 0; r < binnedRows; r++)
            {
                float sum = 0;
                for (var j = 0; j < bin; j++)
                {
                    sum += data[k * rows + r * bin + j];
                }

                binned[k * binnedRows + r] = sum / bin;
            }
        }

        return binned;
    }

    /// <summary>What averaging <paramref name="bin"/> rows <paramref name="rowTime"/> apart leaves of a band at <paramref name="frequency"/>.</summary>
    private static double RowAverageGain(double frequency, double rowTime, int bin)
    {
        var x = Math.PI * frequency * rowTime;
        return bin <= 1 || Math.Abs(Math.Sin(x)) < 1e-12 ? 1 : Math.Max(Math.Abs(Math.Sin(bin * x) / (bin * Math.Sin(x))), 0.05);
    }

    /// <summary>
    /// Detects flicker in <paramref name="rowMeans"/> (frames × rows, row-major; mean linear luminance per analysed row).
    /// <paramref name="rowTime"/> is the time between consecutive analysed rows (0 for a global shutter).
    /// </summary>
    public static FlickerResult Detect(ReadOnlySpan<float> rowMeans, int frames, int rows, double fps, double rowTime, double? shutterAngle = null)
    {
        if (frames < 3 || rows < 8 || rowMeans.Length < frames * rows || fps <= 0)
        {
            return FlickerResult.None;
        }

        // More rows than the bands need cost time, not accuracy: average neighbours down to at most 192 rows and correct
        // the depth for the average (a Dirichlet kernel) afterwards.
        var bin = (rows + MaximumRows - 1) / MaximumRows;
        ReadOnlySpan<float> binned = bin > 1 ? Bin(rowMeans, frames, rows, bin) : rowMeans[..(frames * rows)];
        var sourceRowTime = rowTime;
        rows /= bin;
        rowTime *= bin;
        if (FlickerResidual.Prepare(binned, frames, rows) is not { } residual)
        {
            return FlickerResult.None;
        }

        var upper = Math.Min(MaximumHz, rowTime > 0 ? 0.45 / rowTime : MaximumHz);
        if (rowTime > 0 && upper > MinimumHz * 1.5)
        {
            var spectrum = SpatialSpectrum(residual, rowTime, upper);
            if (Banding(residual, fps, rowTime, upper, f => RowAverageGain(f, sourceRowTime, bin)) is { } banding)
            {
                return banding with { Spectrum = WithPeak(spectrum, banding) };
            }

            if (Pulse(residual, fps) is { } pulse)
            {
                return pulse with { Spectrum = WithPeak(spectrum, pulse) };
            }

            return FlickerResult.None with { Spectrum = spectrum };
        }

        var beats = BeatSpectrum(residual, fps);
        return Pulse(residual, fps) is { } global ? global with { Spectrum = beats } : FlickerResult.None with { Spectrum = beats };
    }

    /// <summary>Rolling-shutter bands: coarse spatial scan, joint scan of rows and frames around each candidate, then the tests.</summary>
    private static FlickerResult? Banding(FlickerResidual x, double fps, double rowTime, double upper, Func<double, double> rowGain)
    {
        var readout = x.Rows * rowTime;
        var window = x.Frames / fps;
        var candidates = SpatialCandidates(x, rowTime, upper);
        var half = 0.6 * fps + 0.25 / readout;
        var step = 0.35 / window;
        double bestEnergy = 0, bestFrequency = 0, bestFloor = 0;
        var scratch = new FlickerScratch(x);
        foreach (var candidate in candidates)
        {
            var from = Math.Max(MinimumHz * 0.9, candidate - half);
            var to = Math.Min(upper, candidate + half);
            var count = (int)((to - from) / step) + 1;
            if (count < 5)
            {
                continue;
            }

            var energies = new double[count];
            var best = 0;
            for (var i = 0; i < count; i++)
            {
                energies[i] = x.Fit(from + i * step, fps, rowTime, scratch).Energy;
                if (energies[i] > energies[best])
                {
                    best = i;
                }
            }

            if (energies[best] <= bestEnergy)
            {
                continue;
            }

            var frequency = Peak(energies, best, from, step);
            // Refine: a tenth of the step around the interpolated peak.
            double refined = frequency, refinedEnergy = x.Fit(frequency, fps, rowTime, scratch).Energy;
            for (var f = frequency - step; f <= frequency + step; f += step / 10)
            {
                var e = x.Fit(f, fps, rowTime, scratch).Energy;
                if (e > refinedEnergy)
                {
                    (refined, refinedEnergy) = (f, e);
                }
            }

            (bestEnergy, bestFrequency, bestFloor) = (refinedEnergy, refined, Median(energies));
        }

        if (bestFrequency <= 0)
        {
            return null;
        }

        var fit = x.Fit(bestFrequency, fps, rowTime, scratch);
        var noise = x.NoiseVariance(fit.Energy, 1);
        if (noise <= 0 || fit.Energy < DetectionRatio * noise || fit.Energy < FloorRatio * bestFloor || !Uniform(x, bestFrequency, fps, rowTime, fit, noise, scratch) || Moving(x, bestFrequency, fps, rowTime, fit.Energy, noise, scratch))
        {
            return null;
        }

        // Harmonics (PWM drivers): each one that stands clear of the noise adds to the waveform's peak-to-peak.
        Span<double> a = stackalloc double[MaxHarmonics];
        Span<double> b = stackalloc double[MaxHarmonics];
        a[0] = fit.A;
        b[0] = fit.B;
        for (var h = 2; h <= MaxHarmonics && h * bestFrequency < 0.45 / rowTime; h++)
        {
            var harmonic = x.Fit(h * bestFrequency, fps, rowTime, scratch);
            if (harmonic.Energy >= 16 * noise)
            {
                var gain = rowGain(h * bestFrequency);
                a[h - 1] = harmonic.A / gain;
                b[h - 1] = harmonic.B / gain;
            }
        }

        a[0] /= rowGain(bestFrequency);
        b[0] /= rowGain(bestFrequency);

        var depth = PeakToPeak(a, b);
        return depth < MinimumDepth ? null : Result(bestFrequency, depth, fps, banding: true);
    }

    /// <summary>
    /// The bands must be in every third of the frame with the same phase (a lamp lights every row; stripes on a set
    /// piece, a window blind or a slatted wall, are local). Checked where a third spans at least half a cycle.
    /// </summary>
    private static bool Uniform(FlickerResidual x, double frequency, double fps, double rowTime, FlickerFit whole, double noise, FlickerScratch scratch)
    {
        var third = x.Rows / 3;
        if (frequency * rowTime * third < 0.5)
        {
            return true;
        }

        var amplitude = Math.Sqrt(whole.A * whole.A + whole.B * whole.B);
        for (var part = 0; part < 3; part++)
        {
            var fit = x.Fit(frequency, fps, rowTime, scratch, part * third, part == 2 ? x.Rows : (part + 1) * third);
            if (fit.Gram <= 0)
            {
                continue;
            }

            // Noise of this third's amplitude estimate: a part's fit is noisier than the whole; allow for it.
            var slack = 3 * Math.Sqrt(2 * noise / fit.Gram);
            var partAmplitude = Math.Sqrt(fit.A * fit.A + fit.B * fit.B);
            var cos = (fit.A * whole.A + fit.B * whole.B) / Math.Max(partAmplitude * amplitude, 1e-30);
            if (partAmplitude + slack < 0.4 * amplitude || partAmplitude - slack > 2.5 * amplitude || (partAmplitude > slack && cos < Math.Cos(50 * Math.PI / 180)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Moving set detail (a tilt, a pan over edges) also makes bands that move: at the found frequency a moving edge
    /// and a lamp look alike. But a picture that moves carries all its detail at one speed, so the same motion shows
    /// at other spatial frequencies (c·ν moving c times as fast per frame), where a lamp has nothing but its
    /// harmonics (whole c). True when the motion explanation holds at a non-whole multiple. Below about 220 Hz (at a
    /// 15 ms readout) the multiples sit too close to tell apart and the test is skipped.
    /// </summary>
    private static bool Moving(FlickerResidual x, double frequency, double fps, double rowTime, double energy, double noise, FlickerScratch scratch)
    {
        var ws = 2 * Math.PI * frequency * rowTime;
        var perFrame = Math.IEEERemainder(2 * Math.PI * frequency / fps, 2 * Math.PI);
        foreach (var c in (ReadOnlySpan<double>)[0.5, 0.7, 1.4, 1.6])
        {
            // Only where c·ν stands two cycles per readout clear of ν: nearer, the lamp's own band leaks into the fit.
            if (c * ws >= 0.9 * Math.PI || Math.Abs(c - 1) * frequency * rowTime * x.Rows < 2)
            {
                continue;
            }

            var motion = x.Fit(c * ws, c * perFrame, scratch).Energy;
            if (motion >= Math.Max(0.5 * DetectionRatio * noise, 0.1 * energy))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Frame-to-frame pulse (global shutter, or a light too slow to band): the frame levels' beat.</summary>
    private static FlickerResult? Pulse(FlickerResidual x, double fps)
    {
        if (x.Frames < 12)
        {
            return null;
        }

        var window = x.Frames / fps;
        var step = 0.35 / window;
        var count = (int)(fps / 2 / step);
        if (count < 8)
        {
            return null;
        }

        var energies = new double[count];
        var best = 0;
        var scratch = new FlickerScratch(x);
        for (var i = 1; i < count; i++)
        {
            energies[i] = x.FitLevel(i * step, fps, scratch).Energy;
            if (energies[i] > energies[best])
            {
                best = i;
            }
        }

        var beat = Peak(energies, best, 0, step);
        var fit = x.FitLevel(beat, fps, scratch);
        var noise = x.LevelNoiseVariance(fit.Energy);
        var depth = 2 * Math.Sqrt(fit.A * fit.A + fit.B * fit.B);
        if (noise <= 0 || fit.Energy < 30 * noise || fit.Energy < FloorRatio * Median(energies[1..]) || depth < MinimumDepth)
        {
            return null;
        }

        // Aliases of the beat: n·fps ± beat. Take the one nearest mains flicker.
        var candidates = new List<double>();
        for (var n = 0; n * fps <= MaximumHz + fps; n++)
        {
            candidates.Add(n * fps + beat);
            candidates.Add(n * fps - beat);
        }

        var frequency = candidates.Where(c => c >= MinimumHz).OrderBy(c => Math.Min(Math.Abs(c - 100), Math.Abs(c - 120))).First();
        return Result(frequency, depth, fps, banding: false);
    }

    /// <summary>Up to two local maxima of the per-frame spatial spectrum (Hann-tapered rows), strongest first.</summary>
    private static List<double> SpatialCandidates(FlickerResidual x, double rowTime, double upper)
    {
        var readout = x.Rows * rowTime;
        var step = Math.Clamp(0.2 / readout, 0.25, 20);
        var count = (int)((upper - MinimumHz) / step) + 1;
        var power = new double[count];
        var taper = Hann(x.Rows);
        var stride = Math.Max(1, x.Frames / 32);
        for (var i = 0; i < count; i++)
        {
            var w = 2 * Math.PI * (MinimumHz + i * step) * rowTime;
            double total = 0;
            for (var k = 0; k < x.Frames; k += stride)
            {
                var (re, im) = x.RowTransform(k, w, taper);
                total += re * re + im * im;
            }

            power[i] = total;
        }

        var peaks = new List<(double Power, double Frequency)>();
        for (var i = 0; i < count; i++)
        {
            if ((i == 0 || power[i] >= power[i - 1]) && (i == count - 1 || power[i] > power[i + 1]))
            {
                peaks.Add((power[i], MinimumHz + i * step));
            }
        }

        return peaks.OrderByDescending(p => p.Power).Take(2).Select(p => p.Frequency).ToList();
    }

    /// <summary>The dashboard's plot: per-frame banding depth at log-spaced frequencies (no temporal coherence asked).</summary>
    private static List<SpectrumBin> SpatialSpectrum(FlickerResidual x, double rowTime, double upper)
    {
        var bins = new List<SpectrumBin>(SpectrumBins);
        var scratch = new FlickerScratch(x);
        var stride = Math.Max(1, x.Frames / 32);
        var ratio = Math.Pow(upper / MinimumHz, 1.0 / (SpectrumBins - 1));
        for (var i = 0; i < SpectrumBins; i++)
        {
            var f = MinimumHz * Math.Pow(ratio, i);
            double sum = 0;
            var n = 0;
            for (var k = 0; k < x.Frames; k += stride)
            {
                sum += x.RowEnergy(k, 2 * Math.PI * f * rowTime, scratch);
                n++;
            }

            // Energy-equivalent amplitude (explained energy over a plain sinusoid's): never inflated where the frame's
            // own level and tilt, taken out, leave a slow band ill-determined.
            bins.Add(new SpectrumBin(Math.Round(f, 1), Math.Round(200 * Math.Sqrt(sum / n / (x.ValidRows / 2.0)), 3)));
        }

        return bins;
    }

    /// <summary>Global shutter: the frame-level pulse's depth at beat frequencies 0–fps/2.</summary>
    private static List<SpectrumBin> BeatSpectrum(FlickerResidual x, double fps)
    {
        var bins = new List<SpectrumBin>();
        if (x.Frames < 12)
        {
            return bins;
        }

        var scratch = new FlickerScratch(x);
        var count = Math.Min(48, x.Frames / 2);
        for (var i = 1; i <= count; i++)
        {
            var beat = fps / 2 * i / count;
            var fit = x.FitLevel(beat, fps, scratch);
            bins.Add(new SpectrumBin(Math.Round(beat, 2), Math.Round(200 * Math.Sqrt(fit.A * fit.A + fit.B * fit.B), 3)));
        }

        return bins;
    }

    private static List<SpectrumBin> WithPeak(List<SpectrumBin> spectrum, FlickerResult found)
    {
        if (spectrum.Count == 0 || found.FrequencyHz is not { } f)
        {
            return spectrum;
        }

        var nearest = 0;
        for (var i = 1; i < spectrum.Count; i++)
        {
            if (Math.Abs(Math.Log(spectrum[i].Hz / f)) < Math.Abs(Math.Log(spectrum[nearest].Hz / f)))
            {
                nearest = i;
            }
        }

        if (spectrum[nearest].DepthPct < found.DepthPct)
        {
            spectrum[nearest] = spectrum[nearest] with { DepthPct = found.DepthPct };
        }

        return spectrum;
    }

    /// <summary>Peak-to-peak of Σ a_h·cos(hθ) + b_h·sin(hθ) over a cycle.</summary>
    private static double PeakToPeak(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double min = double.MaxValue, max = double.MinValue;
        const int steps = 720;
        for (var i = 0; i < steps; i++)
        {
            var theta = 2 * Math.PI * i / steps;
            double v = 0;
            for (var h = 0; h < a.Length; h++)
            {
                v += a[h] * Math.Cos((h + 1) * theta) + b[h] * Math.Sin((h + 1) * theta);
            }

            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        return max - min;
    }

    /// <summary>Parabolic interpolation of a sampled peak.</summary>
    private static double Peak(double[] values, int best, double from, double step)
    {
        if (best <= 0 || best >= values.Length - 1)
        {
            return from + best * step;
        }

        var (y0, y1, y2) = (values[best - 1], values[best], values[best + 1]);
        var denom = y0 - 2 * y1 + y2;
        var shift = Math.Abs(denom) > 1e-300 ? Math.Clamp(0.5 * (y0 - y2) / denom, -0.5, 0.5) : 0;
        return from + (best + shift) * step;
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted[sorted.Length / 2];
    }

    private static FlickerResult Result(double frequency, double depth, double fps, bool banding) =>
        new(true, Math.Round(frequency, 2), Math.Round(depth * 100, 2), Math.Round(Beat(frequency, fps), 3), banding, SafeShutterAngles(frequency, fps));

    /// <summary>How fast a light at <paramref name="frequency"/> beats against <paramref name="fps"/>, folded into [0, fps/2].</summary>
    public static double Beat(double frequency, double fps)
    {
        var r = frequency % fps;
        return Math.Min(r, fps - r);
    }

    /// <summary>
    /// Shutter angles (45°–360°) at which the exposure spans whole cycles of the light (f·t_e integer), so every frame
    /// and every row integrate the same light. At most twelve, nearest to 180° first, then sorted.
    /// </summary>
    public static double[] SafeShutterAngles(double frequency, double fps)
    {
        if (frequency <= 0 || fps <= 0)
        {
            return [];
        }

        var angles = new List<double>();
        for (var n = 1; n < 100000; n++)
        {
            var angle = 360 * fps * n / frequency;
            if (angle > 360 + 1e-9)
            {
                break;
            }

            if (angle >= 45)
            {
                angles.Add(Math.Round(angle, 1));
            }
        }

        return angles.OrderBy(a => Math.Abs(a - 180)).Take(12).Order().ToArray();
    }

    /// <summary>Modulation a sinusoidal light keeps after integration over the exposure: |sinc(π f t_e)|.</summary>
    public static double Attenuation(double frequency, double fps, double shutterAngle)
    {
        var te = shutterAngle / 360 / fps;
        var a = Math.PI * frequency * te;
        return a < 1e-9 ? 1 : Math.Abs(Math.Sin(a) / a);
    }

    private static double[] Hann(int n)
    {
        var w = new double[n];
        for (var i = 0; i < n; i++)
        {
            w[i] = n == 1 ? 1 : 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / (n - 1));
        }

        return w;
    }
}
