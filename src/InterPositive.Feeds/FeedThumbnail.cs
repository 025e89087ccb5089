using InterPositive.Formats.Images;
using InterPositive.Lighting.Analysis;
using InterPositive.Lighting.Colour;

namespace InterPositive.Feeds;

/// <summary>
/// A small 8-bit picture of a frame for the DIT's monitor page: every n-th pixel of every n-th line, BT.709 narrow-range
/// Y'CbCr to R'G'B', or painted in false colour — the frame's luma decoded through the camera's curve to stops against
/// 18 % grey, in the bands DITs read on set.
/// </summary>
public static class FeedThumbnail
{
    public static RasterImage Render(VideoFrame frame, int targetWidth, LogCurve? falseColourCurve = null)
    {
        var format = frame.Format;
        var step = Math.Max(1, format.Width / Math.Max(16, targetWidth));
        var width = format.Width / step;
        var height = format.Height / step;
        var image = new RasterImage(width, height, 3, 8);
        var y = new ushort[format.Width];
        var cb = new ushort[(format.Width + 1) / 2];
        var cr = new ushort[(format.Width + 1) / 2];
        var clipStops = falseColourCurve is { } c ? Math.Log2(LogCurves.ClipLinear(c) / 0.18) : 0;
        for (var row = 0; row < height; row++)
        {
            frame.UnpackPlanar(row * step, y, cb, cr);
            var line = image.Row(row);
            for (var column = 0; column < width; column++)
            {
                var x = column * step;
                var yn = (y[x] - 64) / 876.0;
                if (falseColourCurve is { } curve)
                {
                    var linear = LogCurves.Decode(curve, Math.Clamp(yn, 0, 1.09));
                    var stops = linear > 0 ? Math.Log2(linear / 0.18) : -16;
                    var (r, g, b) = FalseColour.Colour(FalseColour.Zone(stops, clipStops, y[x] >= 1019 ? 1 : 0));
                    line[column * 3] = r;
                    line[(column * 3) + 1] = g;
                    line[(column * 3) + 2] = b;
                    continue;
                }

                var pb = (cb[x >> 1] - 512) / 896.0;
                var pr = (cr[x >> 1] - 512) / 896.0;
                line[column * 3] = Byte(yn + (1.5748 * pr));
                line[(column * 3) + 1] = Byte(yn - (0.187324 * pb) - (0.468124 * pr));
                line[(column * 3) + 2] = Byte(yn + (1.8556 * pb));
            }
        }

        return image;
    }

    private static ushort Byte(double v) => (ushort)Math.Clamp((int)((v * 255) + 0.5), 0, 255);
}
