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
    /// <summary>Converts every <paramref name="columnStep"/>-th pixel of planar 4:2:2 samples (chroma at half width).</summary>
    public static void ToRgb10(ReadOnlySpan<ushort> luma, ReadOnlySpan<ushort> cb, ReadOnlySpan<ushort> cr, int columnStep, int columns, Span<ushort> rgb, YCbCrMatrix matrix = YCbCrMatrix.Bt709)
    {
        var m = new Coefficients(matrix);
        for (var i = 0; i < columns; i++)
        {
            var x = i * columnStep;
            if (x >= luma.Length)
            {
                x = luma.Length - 1;
            }

            var c = Math.Min(x >> 1, cb.Length - 1);
            m.Convert(luma[x], cb[c], cr[c], rgb.Slice(i * 3, 3));
        }
    }

    /// <summary>Converts co-sited samples (one Y, Cb and Cr per pixel, as <c>V210.SamplePixels</c> reads them).</summary>
    public static void ToRgb10(ReadOnlySpan<ushort> luma, ReadOnlySpan<ushort> cb, ReadOnlySpan<ushort> cr, Span<ushort> rgb, YCbCrMatrix matrix = YCbCrMatrix.Bt709)
    {
        var m = new Coefficients(matrix);
        for (var i = 0; i < luma.Length; i++)
        {
            m.Convert(luma[i], cb[i], cr[i], rgb.Slice(i * 3, 3));
        }
    }

    private readonly struct Coefficients
    {
        private const float ScaleY = 1f / 876;
        private const float ScaleC = 1f / 896;
        private readonly float _crToR;
        private readonly float _cbToB;
        private readonly float _cbToG;
        private readonly float _crToG;

        public Coefficients(YCbCrMatrix matrix)
        {
            var (kr, kb) = matrix == YCbCrMatrix.Bt709 ? (0.2126f, 0.0722f) : (0.2627f, 0.0593f);
            var kg = 1 - kr - kb;
            _crToR = 2 * (1 - kr);
            _cbToB = 2 * (1 - kb);
            _cbToG = _cbToB * kb / kg;
            _crToG = _crToR * kr / kg;
        }

        public void Convert(int y, int cb, int cr, Span<ushort> rgb)
        {
            var yn = (y - 64) * ScaleY;
            var u = (cb - 512) * ScaleC;
            var v = (cr - 512) * ScaleC;
            rgb[0] = ToCode(yn + _crToR * v);
            rgb[1] = ToCode(yn - _cbToG * u - _crToG * v);
            rgb[2] = ToCode(yn + _cbToB * u);
        }
    }

    private static ushort ToCode(float value) => (ushort)Math.Clamp((int)(value * 1023 + 0.5f), 0, 1023);
}
