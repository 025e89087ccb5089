namespace InterPositive.Lighting.Analysis;

/// <summary>What the flicker detector found in a window of frames.</summary>
/// <param name="Detected">A periodic light modulation stands clearly above the noise.</param>
/// <param name="FrequencyHz">The light's modulation frequency (null when nothing was detected).</param>
/// <param name="DepthPct">Observed modulation depth in the pictures, percent of mean level (sinusoid amplitude).</param>
/// <param name="BeatHz">How fast bands roll or the level pulses in the footage: f folded into [0, fps/2].</param>
/// <param name="RollingShutterBanding">Bands across the frame were seen (not only a frame-to-frame pulse).</param>
/// <param name="SafeShutterAngles">Shutter angles at the take's frame rate that integrate whole cycles of the light.</param>
public sealed record FlickerResult(bool Detected, double? FrequencyHz, double DepthPct, double? BeatHz, bool RollingShutterBanding, double[] SafeShutterAngles)
{
    public static FlickerResult None { get; } = new(false, null, 0, null, false, []);
}

/// <summary>
/// Temporal and rolling-shutter flicker (formats-and-science §6). Each frame contributes its row-mean luminance profile.
/// Rows are divided by their mean over the window, which removes the scene and leaves the light's modulation, sampled at
/// t = k/fps + r·t_line. A spatial-only (incoherent) scan finds the band frequency roughly; a joint (coherent) scan of
/// rows and frames around it pins the frequency to a fraction of a hertz and picks the right alias of the frame rate.
/// With a global shutter only the temporal beat exists: the frequency is then known modulo the frame rate and is
/// reported as the alias nearest to mains flicker (100/120 Hz).
/// </summary>
public static class FlickerDetector
{
    /// <summary>Observed modulation below this (as a fraction) is not reported: below what a DIT sees on a monitor.</summary>
    public const double MinimumDepth = 0.003;

    public const double MinimumHz = 40;
    public const double MaximumHz = 2500;

    /// <summary>
    /// Detects flicker in <paramref name="rowMeans"/> (frames × rows, row-major; mean linear luminance per analysed row).
    /// <paramref name="rowTime"/> is the time between consecutive analysed rows (0 for a global shutter).
    /// </summary>
    public static FlickerResult Detect(ReadOnlySpan<float> rowMeans, int frames, int rows, double fps, double rowTime, double? shutterAngle = null)
    {
        if (frames < 1 || rows < 8 || rowMeans.Length < frames * rows || fps <= 0)
        {
            return FlickerResult.None;
        }

        var data = rowMeans[..(frames * rows)].ToArray();
        if (frames < 3)
        {
            return Still(data, frames, rows, fps, rowTime);
        }

        var x = NormaliseByRowMean(data, frames, rows);
        var windowSum = Taper(x, frames, rows);
        var upper = Math.Min(MaximumHz, rowTime > 0 ? 0.95 * 0.5 / rowTime : MaximumHz);

        // Banding needs at least half a cycle of the light over the frame's rows to be measurable.
        if (rowTime > 0 && MinimumHz * rowTime * rows >= 0.5 && upper > MinimumHz)
        {
            var (coarse, snr) = ScanIncoherent(x, frames, rows, rowTime, MinimumHz, upper, CoarseStep(rows, rowTime));
            if (snr > 12)
            {
                // The spatial peak is as wide as one cycle over the readout; search every alias of the frame rate inside it.
                var half = Math.Max(0.6 * fps, 0.6 / (rows * rowTime));
                var (wide, _) = ScanCoherent(x, frames, rows, fps, rowTime, coarse - half, coarse + half, 0.1);
                var (frequency, amplitude) = ScanCoherent(x, frames, rows, fps, rowTime, wide - 0.3, wide + 0.3, 0.005);
                var depth = 2 * amplitude / windowSum;
                if (depth >= MinimumDepth && Coherence(x, frames, rows, fps, rowTime, frequency) >= 0.45)
                {
                    return Result(frequency, depth, fps, banding: true);
                }
            }
        }

        var (temporal, temporalAmplitude) = TemporalOnly(x, frames, rows, fps);
        var temporalDepth = 2 * temporalAmplitude / windowSum;
        if (!double.IsNaN(temporal) && temporalDepth >= MinimumDepth)
        {
            return Result(temporal, temporalDepth, fps, banding: false);
        }

        // Static bands: the light runs at a multiple of the frame rate, so the bands stand still and dividing by the
        // row means hid them. Fit the average profile with a smooth (quadratic) scene plus a sinusoid at each multiple.
        var mean = new double[rows];
        for (var k = 0; k < frames; k++)
        {
            for (var r = 0; r < rows; r++)
            {
                mean[r] += data[k * rows + r] / (double)frames;
            }
        }

        if (rowTime > 0 && (StaticBandsByFit(mean, fps, rowTime) ?? StaticBands(mean, fps, rowTime)) is { } bands)
        {
            return Result(bands.Frequency, bands.Depth, fps, banding: true);
        }

        return FlickerResult.None with { DepthPct = Math.Round(Math.Max(temporalDepth, 0) * 100, 2) };
    }

    private static FlickerResult Still(float[] data, int frames, int rows, double fps, double rowTime)
    {
        if (rowTime <= 0)
        {
            return FlickerResult.None;
        }

        var x = new double[frames * rows];
        var window = Math.Max(3, rows / 6);
        for (var k = 0; k < frames; k++)
        {
            for (var r = 0; r < rows; r++)
            {
                double sum = 0;
                var n = 0;
                for (var j = Math.Max(0, r - window); j <= Math.Min(rows - 1, r + window); j++)
                {
                    sum += data[k * rows + j];
                    n++;
                }

                var smooth = sum / n;
                x[k * rows + r] = smooth > 1e-9 ? data[k * rows + r] / smooth - 1 : 0;
            }
        }

        var windowSum = Taper(x, frames, rows);
        // The smoothing window passes nothing slower than about a cycle per window: start above that.
        var lowest = Math.Max(MinimumHz, 1.5 / (window * rowTime));
        var upper = Math.Min(MaximumHz, 0.95 * 0.5 / rowTime);
        if (upper <= lowest)
        {
            return FlickerResult.None;
        }

        var (coarse, snr) = ScanIncoherent(x, frames, rows, rowTime, lowest, upper, CoarseStep(rows, rowTime));
        if (snr < 20)
        {
            return FlickerResult.None;
        }

        var (frequency, amplitude) = ScanCoherent(x, frames, rows, fps, rowTime, coarse - 1, coarse + 1, 0.01);
        var depth = 2 * amplitude / windowSum;
        return depth < MinimumDepth ? FlickerResult.None : Result(frequency, depth, fps, banding: true);
    }

    /// <summary>
    /// Static bands: the profile, less a quadratic (the scene's broad shading), is scanned for a spectral line that
    /// stands on an exact multiple of the frame rate: the local peak within ±fps/4 must fall within 2 Hz of the multiple
    /// and stand four times above the spectrum's median. Scene texture rarely lines up with n·fps that precisely.
    /// </summary>
    private static (double Frequency, double Depth)? StaticBands(double[] profile, double fps, double rowTime)
    {
        var rows = profile.Length;
        var level = profile.Average();
        if (level <= 1e-9)
        {
            return null;
        }

        // Detrend with a least-squares quadratic, then taper.
        Residual(profile, rowTime, 0, out _, out var trend);
        var window = Hann(rows);
        var x = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            x[r] = (profile[r] - trend[r]) / level * window[r];
        }

        var upper = Math.Min(MaximumHz, 0.45 / rowTime);
        const double step = 0.5;
        var count = (int)((upper - MinimumHz) / step) + 1;
        if (count < 8)
        {
            return null;
        }

        var spectrum = new double[count];
        for (var i = 0; i < count; i++)
        {
            spectrum[i] = Amplitude(x, MinimumHz + i * step, rowTime);
        }

        var sorted = (double[])spectrum.Clone();
        Array.Sort(sorted);
        var median = sorted[count / 2];
        double bestAmplitude = 0, bestFrequency = 0;
        for (var n = 1; n * fps <= upper; n++)
        {
            var f = n * fps;
            if (f < MinimumHz)
            {
                continue;
            }

            var at = Amplitude(x, f, rowTime);
            var peak = f;
            var peakAmplitude = at;
            for (var g = f - fps / 4; g <= f + fps / 4; g += 0.25)
            {
                var a = Amplitude(x, g, rowTime);
                if (a > peakAmplitude)
                {
                    (peak, peakAmplitude) = (g, a);
                }
            }

            if (Math.Abs(peak - f) <= 2 && at >= 4 * median && at > bestAmplitude)
            {
                (bestAmplitude, bestFrequency) = (at, f);
            }
        }

        if (bestFrequency <= 0)
        {
            return null;
        }

        Residual(profile, rowTime, bestFrequency, out var amplitude, out _);
        var depth = amplitude / level;
        return depth >= MinimumDepth ? (bestFrequency, depth) : null;
    }

    /// <summary>
    /// Static bands that dominate the profile (few cycles over the frame, where a spectral line is too broad to place):
    /// a quadratic plus one sinusoid at a multiple of the frame rate must explain 70 % of what the quadratic leaves,
    /// and the best-fitting frequency near it must be the multiple itself (within 2 Hz).
    /// </summary>
    private static (double Frequency, double Depth)? StaticBandsByFit(double[] profile, double fps, double rowTime)
    {
        var level = profile.Average();
        var baseline = Residual(profile, rowTime, 0, out _, out _);
        if (level <= 1e-9 || baseline <= 0)
        {
            return null;
        }

        double bestResidual = double.MaxValue, bestFrequency = 0, bestAmplitude = 0;
        for (var n = 1; n * fps <= Math.Min(MaximumHz, 0.45 / rowTime); n++)
        {
            var f = n * fps;
            if (f < MinimumHz)
            {
                continue;
            }

            var residual = Residual(profile, rowTime, f, out var amplitude, out _);
            if (residual < bestResidual)
            {
                (bestResidual, bestFrequency, bestAmplitude) = (residual, f, amplitude);
            }
        }

        var depth = bestAmplitude / level;
        if (bestFrequency <= 0 || bestResidual >= 0.3 * baseline || depth < MinimumDepth)
        {
            return null;
        }

        var sharpest = bestFrequency;
        var sharpestResidual = bestResidual;
        for (var f = bestFrequency - 0.5 * fps; f <= bestFrequency + 0.5 * fps; f += 0.25)
        {
            var residual = Residual(profile, rowTime, f, out _, out _);
            if (f > 0 && residual < sharpestResidual)
            {
                (sharpest, sharpestResidual) = (f, residual);
            }
        }

        return Math.Abs(sharpest - bestFrequency) <= 2 ? (bestFrequency, depth) : null;
    }

    private static double Amplitude(double[] x, double f, double rowTime)
    {
        var w = -2 * Math.PI * f * rowTime;
        var (stepRe, stepIm) = (Math.Cos(w), Math.Sin(w));
        double re = 0, im = 0, pr = 1, pi = 0;
        for (var r = 0; r < x.Length; r++)
        {
            re += x[r] * pr;
            im += x[r] * pi;
            (pr, pi) = (pr * stepRe - pi * stepIm, pr * stepIm + pi * stepRe);
        }

        return Math.Sqrt(re * re + im * im);
    }

    /// <summary>Residual sum of squares of profile ~ a + b·s + c·s² (+ d·cos + e·sin at <paramref name="f"/> when f > 0).</summary>
    private static double Residual(double[] profile, double rowTime, double f, out double amplitude, out double[] model)
    {
        var rows = profile.Length;
        var terms = f > 0 ? 5 : 3;
        var ata = new double[terms * terms];
        var atb = new double[terms];
        Span<double> basis = stackalloc double[5];
        for (var r = 0; r < rows; r++)
        {
            var s = (double)r / rows - 0.5;
            basis[0] = 1;
            basis[1] = s;
            basis[2] = s * s;
            if (f > 0)
            {
                var phase = 2 * Math.PI * f * r * rowTime;
                basis[3] = Math.Cos(phase);
                basis[4] = Math.Sin(phase);
            }

            for (var i = 0; i < terms; i++)
            {
                atb[i] += basis[i] * profile[r];
                for (var j = 0; j < terms; j++)
                {
                    ata[i * terms + j] += basis[i] * basis[j];
                }
            }
        }

        var coefficients = SolveDense(ata, atb, terms);
        amplitude = f > 0 && coefficients is not null ? Math.Sqrt(coefficients[3] * coefficients[3] + coefficients[4] * coefficients[4]) : 0;
        model = new double[rows];
        if (coefficients is null)
        {
            return double.MaxValue;
        }

        double rss = 0;
        for (var r = 0; r < rows; r++)
        {
            var s = (double)r / rows - 0.5;
            var value = coefficients[0] + coefficients[1] * s + coefficients[2] * s * s;
            if (f > 0)
            {
                var phase = 2 * Math.PI * f * r * rowTime;
                value += coefficients[3] * Math.Cos(phase) + coefficients[4] * Math.Sin(phase);
            }

            model[r] = value;
            rss += (profile[r] - value) * (profile[r] - value);
        }

        return rss;
    }

    /// <summary>Gaussian elimination with partial pivoting for a small dense system.</summary>
    private static double[]? SolveDense(double[] a, double[] b, int n)
    {
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < n; r++)
            {
                if (Math.Abs(a[r * n + col]) > Math.Abs(a[pivot * n + col]))
                {
                    pivot = r;
                }
            }

            if (Math.Abs(a[pivot * n + col]) < 1e-12)
            {
                return null;
            }

            if (pivot != col)
            {
                for (var k = 0; k < n; k++)
                {
                    (a[col * n + k], a[pivot * n + k]) = (a[pivot * n + k], a[col * n + k]);
                }

                (b[col], b[pivot]) = (b[pivot], b[col]);
            }

            for (var r = col + 1; r < n; r++)
            {
                var factor = a[r * n + col] / a[col * n + col];
                for (var k = col; k < n; k++)
                {
                    a[r * n + k] -= factor * a[col * n + k];
                }

                b[r] -= factor * b[col];
            }
        }

        var x = new double[n];
        for (var r = n - 1; r >= 0; r--)
        {
            var sum = b[r];
            for (var k = r + 1; k < n; k++)
            {
                sum -= a[r * n + k] * x[k];
            }

            x[r] = sum / a[r * n + r];
        }

        return x;
    }

    /// <summary>
    /// How well the bands in successive frames follow one light: |Σ_k a_k|² / (K·Σ_k |a_k|²) where a_k is frame k's
    /// band phasor moved back by the light's phase advance. A steady light reaches ≈ 0.67 under the Hann taper; moving
    /// picture content that happens to look like bands scatters its phases and stays near 1/K.
    /// </summary>
    private static double Coherence(double[] x, int frames, int rows, double fps, double rowTime, double f)
    {
        var w = -2 * Math.PI * f * rowTime;
        var (stepRe, stepIm) = (Math.Cos(w), Math.Sin(w));
        double sumRe = 0, sumIm = 0, energy = 0;
        for (var k = 0; k < frames; k++)
        {
            double sr = 0, si = 0, pr = 1, pi = 0;
            for (var r = 0; r < rows; r++)
            {
                var v = x[k * rows + r];
                sr += v * pr;
                si += v * pi;
                (pr, pi) = (pr * stepRe - pi * stepIm, pr * stepIm + pi * stepRe);
            }

            var phase = -2 * Math.PI * f * k / fps;
            var (c, s) = (Math.Cos(phase), Math.Sin(phase));
            sumRe += sr * c - si * s;
            sumIm += sr * s + si * c;
            energy += sr * sr + si * si;
        }

        return energy <= 0 ? 0 : (sumRe * sumRe + sumIm * sumIm) / (frames * energy);
    }

    /// <summary>A tenth of the spatial peak's width (one cycle over the readout), within 0.25–2 Hz.</summary>
    private static double CoarseStep(int rows, double rowTime) => Math.Clamp(0.1 / (rows * rowTime), 0.25, 2);

    private static FlickerResult Result(double frequency, double depth, double fps, bool banding) =>
        new(true, Math.Round(frequency, 2), Math.Round(depth * 100, 2), Math.Round(Beat(frequency, fps), 3), banding, SafeShutterAngles(frequency, fps));

    private static double[] NormaliseByRowMean(float[] data, int frames, int rows)
    {
        var x = new double[frames * rows];
        for (var r = 0; r < rows; r++)
        {
            double mean = 0;
            for (var k = 0; k < frames; k++)
            {
                mean += data[k * rows + r];
            }

            mean /= frames;
            for (var k = 0; k < frames; k++)
            {
                x[k * rows + r] = mean > 1e-9 ? data[k * rows + r] / mean - 1 : 0;
            }
        }

        return x;
    }

    /// <summary>Hann taper along rows and frames (keeps leakage from hiding weak lines); returns the window's sum.</summary>
    private static double Taper(double[] x, int frames, int rows)
    {
        var rowWindow = Hann(rows);
        var frameWindow = frames >= 3 ? Hann(frames) : Enumerable.Repeat(1.0, frames).ToArray();
        for (var k = 0; k < frames; k++)
        {
            for (var r = 0; r < rows; r++)
            {
                x[k * rows + r] *= rowWindow[r] * frameWindow[k];
            }
        }

        return rowWindow.Sum() * frameWindow.Sum();
    }

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

    private static (double Frequency, double Snr) ScanIncoherent(double[] x, int frames, int rows, double rowTime, double from, double to, double step)
    {
        var count = (int)((to - from) / step) + 1;
        var power = new double[count];
        for (var i = 0; i < count; i++)
        {
            var f = from + i * step;
            var w = -2 * Math.PI * f * rowTime;
            var (stepRe, stepIm) = (Math.Cos(w), Math.Sin(w));
            double total = 0;
            var stride = Math.Max(1, frames / 16);
            for (var k = 0; k < frames; k += stride)
            {
                double re = 0, im = 0, pr = 1, pi = 0;
                var offset = k * rows;
                for (var r = 0; r < rows; r++)
                {
                    var v = x[offset + r];
                    re += v * pr;
                    im += v * pi;
                    (pr, pi) = (pr * stepRe - pi * stepIm, pr * stepIm + pi * stepRe);
                }

                total += re * re + im * im;
            }

            power[i] = total;
        }

        var best = 0;
        for (var i = 1; i < count; i++)
        {
            if (power[i] > power[best])
            {
                best = i;
            }
        }

        var sorted = (double[])power.Clone();
        Array.Sort(sorted);
        var median = sorted[count / 2];
        return (from + best * step, median > 0 ? power[best] / median : double.PositiveInfinity);
    }

    private static (double Frequency, double Amplitude) ScanCoherent(double[] x, int frames, int rows, double fps, double rowTime, double from, double to, double step)
    {
        from = Math.Max(from, MinimumHz * 0.8);
        var count = Math.Max(3, (int)((to - from) / step) + 1);
        var power = new double[count];
        var spatialRe = new double[frames];
        var spatialIm = new double[frames];
        for (var i = 0; i < count; i++)
        {
            var f = from + i * step;
            Coherent(x, frames, rows, fps, rowTime, f, spatialRe, spatialIm, out var re, out var im);
            power[i] = re * re + im * im;
        }

        var best = 1;
        for (var i = 1; i < count - 1; i++)
        {
            if (power[i] > power[best])
            {
                best = i;
            }
        }

        // Parabolic interpolation of the peak on the power curve.
        var y0 = power[Math.Max(best - 1, 0)];
        var y1 = power[best];
        var y2 = power[Math.Min(best + 1, count - 1)];
        var denom = y0 - 2 * y1 + y2;
        var shift = Math.Abs(denom) > 1e-30 ? Math.Clamp(0.5 * (y0 - y2) / denom, -0.5, 0.5) : 0;
        var frequency = from + (best + shift) * step;
        Coherent(x, frames, rows, fps, rowTime, frequency, spatialRe, spatialIm, out var fr, out var fi);
        return (frequency, Math.Sqrt(fr * fr + fi * fi));
    }

    private static void Coherent(double[] x, int frames, int rows, double fps, double rowTime, double f, double[] spatialRe, double[] spatialIm, out double re, out double im)
    {
        var w = -2 * Math.PI * f * rowTime;
        var (stepRe, stepIm) = (Math.Cos(w), Math.Sin(w));
        re = 0;
        im = 0;
        for (var k = 0; k < frames; k++)
        {
            double sr = 0, si = 0, pr = 1, pi = 0;
            var offset = k * rows;
            for (var r = 0; r < rows; r++)
            {
                var v = x[offset + r];
                sr += v * pr;
                si += v * pi;
                (pr, pi) = (pr * stepRe - pi * stepIm, pr * stepIm + pi * stepRe);
            }

            var phase = -2 * Math.PI * f * k / fps;
            var (c, s) = (Math.Cos(phase), Math.Sin(phase));
            re += sr * c - si * s;
            im += sr * s + si * c;
        }
    }

    private static (double Frequency, double Amplitude) TemporalOnly(double[] x, int frames, int rows, double fps)
    {
        if (frames < 8)
        {
            return (double.NaN, 0);
        }

        // Frame means of the normalised rows: the level pulse a global shutter (or a slow light) shows.
        var series = new double[frames];
        for (var k = 0; k < frames; k++)
        {
            double sum = 0;
            for (var r = 0; r < rows; r++)
            {
                sum += x[k * rows + r];
            }

            series[k] = sum;
        }

        var step = 0.01;
        var count = (int)(fps / 2 / step);
        double bestPower = 0, bestBeat = double.NaN;
        var powers = new double[count];
        for (var i = 1; i < count; i++)
        {
            var f = i * step;
            double re = 0, im = 0;
            for (var k = 0; k < frames; k++)
            {
                var phase = -2 * Math.PI * f * k / fps;
                re += series[k] * Math.Cos(phase);
                im += series[k] * Math.Sin(phase);
            }

            var p = re * re + im * im;
            powers[i] = p;
            if (p > bestPower)
            {
                bestPower = p;
                bestBeat = f;
            }
        }

        // A pulse must stand well clear of the rest of the frame-rate spectrum (picture changes spread everywhere).
        Array.Sort(powers);
        if (double.IsNaN(bestBeat) || bestPower < 25 * powers[count / 2])
        {
            return (double.NaN, 0);
        }

        // Aliases of the beat: n·fps ± beat. Take the one nearest mains flicker.
        var candidates = new List<double>();
        for (var n = 0; n * fps <= MaximumHz + fps; n++)
        {
            candidates.Add(n * fps + bestBeat);
            candidates.Add(n * fps - bestBeat);
        }

        var frequency = candidates.Where(c => c >= MinimumHz).OrderBy(c => Math.Min(Math.Abs(c - 100), Math.Abs(c - 120))).First();
        return (frequency, Math.Sqrt(bestPower));
    }
}
