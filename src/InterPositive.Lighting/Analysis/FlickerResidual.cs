using System.Numerics;

namespace InterPositive.Lighting.Analysis;

/// <summary>A fitted sinusoid: x ≈ A·cos θ + B·sin θ; <c>Energy</c> is what it explains, <c>Gram</c> the basis energy.</summary>
internal readonly record struct FlickerFit(double A, double B, double Energy, double Gram);

/// <summary>Per-call buffers for the projected basis.</summary>
internal sealed class FlickerScratch(FlickerResidual x)
{
    public double[] URe { get; } = new double[x.Rows];
    public double[] UIm { get; } = new double[x.Rows];
    public double[] VRe { get; } = new double[x.Frames];
    public double[] VIm { get; } = new double[x.Frames];
}

/// <summary>
/// The window with the static set and slow changes projected out: y = Π_t Π_r (P/mean_t(P) − 1), where Π_t removes
/// a quadratic in time from every row and Π_r a line across the rows from every frame. Fit is the
/// least-squares fit of one sinusoid in the projected space, exact for any frequency and window length.
/// </summary>
internal sealed class FlickerResidual
{
    private readonly double[] _y;
    private readonly double[] _level;
    private readonly bool[] _valid;
    private readonly double[][] _rowBasis;
    private readonly double[][] _timeBasis;
    private readonly int _validRows;
    private readonly double _energy;
    private readonly double _levelEnergy;

    private FlickerResidual(int frames, int rows, double[] y, double[] level, bool[] valid, int validRows, double[][] rowBasis, double[][] timeBasis)
    {
        Frames = frames;
        Rows = rows;
        _y = y;
        _level = level;
        _valid = valid;
        _validRows = validRows;
        _rowBasis = rowBasis;
        _timeBasis = timeBasis;
        foreach (var v in y)
        {
            _energy += v * v;
        }

        foreach (var v in level)
        {
            _levelEnergy += v * v;
        }
    }

    public int Frames { get; }

    public int Rows { get; }

    public static FlickerResidual? Prepare(ReadOnlySpan<float> data, int frames, int rows)
    {
        var mean = new double[rows];
        for (var k = 0; k < frames; k++)
        {
            for (var r = 0; r < rows; r++)
            {
                mean[r] += data[k * rows + r];
            }
        }

        var peak = 0.0;
        for (var r = 0; r < rows; r++)
        {
            mean[r] /= frames;
            peak = Math.Max(peak, mean[r]);
        }

        // Rows near black carry no measurable light (noise divided by nothing): leave them out.
        var valid = new bool[rows];
        var validRows = 0;
        for (var r = 0; r < rows; r++)
        {
            valid[r] = mean[r] > 1e-9 && mean[r] > 1e-4 * peak;
            validRows += valid[r] ? 1 : 0;
        }

        if (validRows < 8)
        {
            return null;
        }

        var y = new double[frames * rows];
        for (var k = 0; k < frames; k++)
        {
            for (var r = 0; r < rows; r++)
            {
                y[k * rows + r] = valid[r] ? data[k * rows + r] / mean[r] - 1 : 0;
            }
        }

        var timeBasis = Orthonormal(frames, frames >= 12 ? 3 : 2, null);
        var rowBasis = Orthonormal(rows, 2, valid);
        var column = new double[frames];
        for (var r = 0; r < rows; r++)
        {
            if (!valid[r])
            {
                continue;
            }

            for (var k = 0; k < frames; k++)
            {
                column[k] = y[k * rows + r];
            }

            Project(column, timeBasis);
            for (var k = 0; k < frames; k++)
            {
                y[k * rows + r] = column[k];
            }
        }

        // The frame level (before the rows' line is taken out): what a global shutter's pulse is made of.
        var level = new double[frames];
        for (var k = 0; k < frames; k++)
        {
            var row = y.AsSpan(k * rows, rows);
            double sum = 0;
            for (var r = 0; r < rows; r++)
            {
                sum += row[r];
            }

            level[k] = sum / validRows;
            Project(row, rowBasis);
        }

        return new FlickerResidual(frames, rows, y, level, valid, validRows, rowBasis, timeBasis);
    }

    /// <summary>
    /// Least-squares fit of cos/sin(2πf(r·t_line + k/fps)) projected like the data, over rows [from, to).
    /// </summary>
    public FlickerFit Fit(double frequency, double fps, double rowTime, FlickerScratch s, int from = 0, int to = -1) =>
        Fit(2 * Math.PI * frequency * rowTime, 2 * Math.PI * frequency / fps, s, from, to);

    /// <summary>The same for any pattern e^{i(ws·r + wt·k)}: bands <paramref name="ws"/> per row moving <paramref name="wt"/> per frame.</summary>
    public FlickerFit Fit(double ws, double wt, FlickerScratch s, int from = 0, int to = -1)
    {
        to = to < 0 ? Rows : to;
        var (uu, u2Re, u2Im) = ProjectedExponential(ws, Rows, _rowBasis, _valid, s.URe, s.UIm, from, to);
        var (vv, v2Re, v2Im) = ProjectedExponential(wt, Frames, _timeBasis, null, s.VRe, s.VIm, 0, Frames);

        // W = Σ_k e^{iω_t k} Σ_r y·u_r: the data are projected in time already, so the plain exponential serves there.
        double wRe = 0, wIm = 0;
        var (tRe, tIm) = (1.0, 0.0);
        var (stepRe, stepIm) = (Math.Cos(wt), Math.Sin(wt));
        var uRe = s.URe.AsSpan(from, to - from);
        var uIm = s.UIm.AsSpan(from, to - from);
        for (var k = 0; k < Frames; k++)
        {
            var (re, im) = Dot(_y.AsSpan(k * Rows + from, to - from), uRe, uIm);

            wRe += re * tRe - im * tIm;
            wIm += re * tIm + im * tRe;
            (tRe, tIm) = (tRe * stepRe - tIm * stepIm, tRe * stepIm + tIm * stepRe);
        }

        var gram = uu * vv;
        var qRe = u2Re * v2Re - u2Im * v2Im;
        var qIm = u2Re * v2Im + u2Im * v2Re;
        var samples = (double)Frames * CountValid(from, to);
        return Solve(wRe, wIm, (gram + qRe) / 2, (gram - qRe) / 2, qIm / 2, samples);
    }

    public int ValidRows => _validRows;

    /// <summary>(Σ row·a, Σ row·b) with SIMD: the joint scan's inner loop.</summary>
    private static (double A, double B) Dot(ReadOnlySpan<double> row, ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var n = row.Length;
        var i = 0;
        double sa = 0, sb = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<double>.Count * 2)
        {
            var va = Vector<double>.Zero;
            var vb = Vector<double>.Zero;
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
            {
                var v = new Vector<double>(row[i..]);
                va += v * new Vector<double>(a[i..]);
                vb += v * new Vector<double>(b[i..]);
            }

            sa = Vector.Sum(va);
            sb = Vector.Sum(vb);
        }

        for (; i < n; i++)
        {
            sa += row[i] * a[i];
            sb += row[i] * b[i];
        }

        return (sa, sb);
    }

    /// <summary>One frame's fit across its rows alone (for the spectrum): the energy a band at <paramref name="ws"/> explains.</summary>
    public double RowEnergy(int frame, double ws, FlickerScratch s)
    {
        var (uu, u2Re, u2Im) = ProjectedExponential(ws, Rows, _rowBasis, _valid, s.URe, s.UIm, 0, Rows);
        var (re, im) = RowTransform(frame, ws, null);
        return Solve(re, im, (uu + u2Re) / 2, (uu - u2Re) / 2, u2Im / 2, _validRows).Energy;
    }

    /// <summary>Σ_r y[k, r]·taper[r]·e^{iωr} for one frame.</summary>
    public (double Re, double Im) RowTransform(int frame, double w, double[]? taper)
    {
        var row = _y.AsSpan(frame * Rows, Rows);
        var (cs, sn) = (Math.Cos(w), Math.Sin(w));
        double re = 0, im = 0, pr = 1, pi = 0;
        for (var r = 0; r < row.Length; r++)
        {
            var v = taper is null ? row[r] : row[r] * taper[r];
            re += v * pr;
            im += v * pi;
            (pr, pi) = (pr * cs - pi * sn, pr * sn + pi * cs);
        }

        return (re, im);
    }

    /// <summary>Fit of the frame-level series at a beat frequency.</summary>
    public FlickerFit FitLevel(double beat, double fps, FlickerScratch s)
    {
        var wt = 2 * Math.PI * beat / fps;
        var (vv, v2Re, v2Im) = ProjectedExponential(wt, Frames, _timeBasis, null, s.VRe, s.VIm, 0, Frames);
        double re = 0, im = 0;
        for (var k = 0; k < Frames; k++)
        {
            re += _level[k] * Math.Cos(wt * k);
            im += _level[k] * Math.Sin(wt * k);
        }

        return Solve(re, im, (vv + v2Re) / 2, (vv - v2Re) / 2, v2Im / 2, Frames);
    }

    private int CountValid(int from, int to)
    {
        if (from == 0 && to == Rows)
        {
            return _validRows;
        }

        var n = 0;
        for (var r = from; r < to; r++)
        {
            n += _valid[r] ? 1 : 0;
        }

        return n;
    }

    /// <summary>FlickerResidual variance per sample after <paramref name="sinusoids"/> fits explained <paramref name="explained"/>.</summary>
    public double NoiseVariance(double explained, int sinusoids)
    {
        var dof = (double)(_validRows - _rowBasis.Length) * (Frames - _timeBasis.Length) - 2 * sinusoids;
        return dof > 0 ? Math.Max(_energy - explained, 0) / dof : 0;
    }

    public double LevelNoiseVariance(double explained)
    {
        var dof = Frames - _timeBasis.Length - 2;
        return dof > 0 ? Math.Max(_levelEnergy - explained, 0) / dof : 0;
    }

    /// <summary>
    /// Solves the 2×2 normal equations. <paramref name="samples"/> is how many samples the basis spans: where the
    /// projection leaves under 1/2000 of a plain sinusoid's energy (a light at a whole multiple of the frame rate,
    /// bands that stand still), nothing of it can be told from the set and the fit is empty.
    /// </summary>
    private static FlickerFit Solve(double pRe, double pIm, double cc, double ss, double cs, double samples)
    {
        var det = cc * ss - cs * cs;
        var trace = cc + ss;
        var smallest = trace / 2 - Math.Sqrt(Math.Max(trace * trace / 4 - det, 0));
        if (smallest <= samples / 2 / 2000 || det <= 0)
        {
            return new FlickerFit(0, 0, 0, 0);
        }

        var a = (ss * pRe - cs * pIm) / det;
        var b = (cc * pIm - cs * pRe) / det;
        // The smaller eigenvalue of the basis' Gram matrix bounds how well the amplitude is determined.
        return new FlickerFit(a, b, a * pRe + b * pIm, smallest);
    }

    /// <summary>
    /// u = Π e^{iωn} (zero on invalid rows), then cut to [from, to); returns Σ|u|² and Σu² (complex).
    /// </summary>
    private static (double Norm, double SquareRe, double SquareIm) ProjectedExponential(double w, int n, double[][] basis, bool[]? valid, double[] re, double[] im, int from, int to)
    {
        var (cs, sn) = (Math.Cos(w), Math.Sin(w));
        double pr = 1, pi = 0;
        for (var i = 0; i < n; i++)
        {
            var inside = valid is null || valid[i];
            re[i] = inside ? pr : 0;
            im[i] = inside ? pi : 0;
            (pr, pi) = (pr * cs - pi * sn, pr * sn + pi * cs);
        }

        // Π acts on the whole axis (the data were projected there); a part of the axis is cut out afterwards.
        foreach (var q in basis)
        {
            double cr = 0, ci = 0;
            for (var i = 0; i < n; i++)
            {
                cr += q[i] * re[i];
                ci += q[i] * im[i];
            }

            for (var i = 0; i < n; i++)
            {
                re[i] -= cr * q[i];
                im[i] -= ci * q[i];
            }
        }

        for (var i = 0; i < n; i++)
        {
            if (i < from || i >= to)
            {
                re[i] = 0;
                im[i] = 0;
            }
        }

        double norm = 0, sqRe = 0, sqIm = 0;
        for (var i = 0; i < n; i++)
        {
            norm += re[i] * re[i] + im[i] * im[i];
            sqRe += re[i] * re[i] - im[i] * im[i];
            sqIm += 2 * re[i] * im[i];
        }

        return (norm, sqRe, sqIm);
    }

    /// <summary>Orthonormal polynomials 1, s, s² … on n points (only where <paramref name="valid"/>), by Gram–Schmidt.</summary>
    private static double[][] Orthonormal(int n, int count, bool[]? valid)
    {
        var basis = new double[count][];
        for (var d = 0; d < count; d++)
        {
            var q = new double[n];
            for (var i = 0; i < n; i++)
            {
                q[i] = valid is null || valid[i] ? Math.Pow((i + 0.5) / n - 0.5, d) : 0;
            }

            for (var j = 0; j < d; j++)
            {
                double dot = 0;
                for (var i = 0; i < n; i++)
                {
                    dot += q[i] * basis[j][i];
                }

                for (var i = 0; i < n; i++)
                {
                    q[i] -= dot * basis[j][i];
                }
            }

            double norm = 0;
            foreach (var v in q)
            {
                norm += v * v;
            }

            norm = Math.Sqrt(norm);
            for (var i = 0; i < n; i++)
            {
                q[i] = norm > 0 ? q[i] / norm : 0;
            }

            basis[d] = q;
        }

        return basis;
    }

    private static void Project(Span<double> values, double[][] basis)
    {
        foreach (var q in basis)
        {
            double dot = 0;
            for (var i = 0; i < values.Length; i++)
            {
                dot += q[i] * values[i];
            }

            for (var i = 0; i < values.Length; i++)
            {
                values[i] -= dot * q[i];
            }
        }
    }
}
