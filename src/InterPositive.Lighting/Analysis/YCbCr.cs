namespace InterPositive.Lighting.Analysis;

/// <summary>The Y′CbCr matrices of SDI and ST 2110 video.</summary>
public enum YCbCrMatrix
{
    /// <summary>ITU-R BT.709 (HD).</summary>
    Bt709,

    /// <summary>ITU-R BT.2020 non-constant luminance (UHD/HDR feeds).</summary>
    Bt2020,
}

/// <summary>
/// Narrow-range 10-bit Y′CbCr 4:2:2 (Y′ 64–940, Cb/Cr 64–960) to full-range 10-bit R′G′B′ code values, the form the
/// analysis decodes through its curve LUT. Converts only the sampled columns of a row: at UHD with the analysis grid
/// that is one pixel in sixty-four.
/// </summary>
public static class YCbCr
{
    public static void ToRgb10(ReadOnlySpan<ushort> luma, ReadOnlySpan<ushort> cb, ReadOnlySpan<ushort> cr, int columnStep, int columns, Span<ushort> rgb, YCbCrMatrix matrix = YCbCrMatrix.Bt709)
    {
        var (kr, kb) = matrix == YCbCrMatrix.Bt709 ? (0.2126f, 0.0722f) : (0.2627f, 0.0593f);
        var kg = 1 - kr - kb;
        var crToR = 2 * (1 - kr);
        var cbToB = 2 * (1 - kb);
        var cbToG = cbToB * kb / kg;
        var crToG = crToR * kr / kg;
        const float scaleY = 1f / 876;
        const float scaleC = 1f / 896;
        for (var i = 0; i < columns; i++)
        {
            var x = i * columnStep;
            if (x >= luma.Length)
            {
                x = luma.Length - 1;
            }

            var c = Math.Min(x >> 1, cb.Length - 1);
            var y = (luma[x] - 64) * scaleY;
            var u = (cb[c] - 512) * scaleC;
            var v = (cr[c] - 512) * scaleC;
            rgb[i * 3] = ToCode(y + crToR * v);
            rgb[i * 3 + 1] = ToCode(y - cbToG * u - crToG * v);
            rgb[i * 3 + 2] = ToCode(y + cbToB * u);
        }
    }

    private static ushort ToCode(float value) => (ushort)Math.Clamp((int)(value * 1023 + 0.5f), 0, 1023);
}
