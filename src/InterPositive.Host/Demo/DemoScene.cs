using InterPositive.Lighting.Colour;

namespace InterPositive.Host.Demo;

/// <summary>How one demo take is lit and shot.</summary>
/// <param name="LightCct">Colour of the key and fill light (Planckian), kelvin.</param>
/// <param name="CameraWhiteBalanceK">The camera's white balance setting, kelvin (recorded in the clip's metadata).</param>
/// <param name="KeyAzimuthDeg">Key light direction in image space: 0° from camera right, 90° from above.</param>
/// <param name="KeyElevationDeg">Key light elevation towards the camera: 90° is frontal.</param>
/// <param name="KeyFillRatio">Key-to-fill irradiance ratio (linear).</param>
/// <param name="ExposureStops">Exposure of the 18 % grey wall relative to 18 % grey.</param>
/// <param name="FlickerHz">A flickering light's frequency (0: steady).</param>
/// <param name="FlickerDepth">Modulation depth of the flickering light (0–1).</param>
public sealed record DemoLighting(
    double LightCct,
    double CameraWhiteBalanceK,
    double KeyAzimuthDeg,
    double KeyElevationDeg,
    double KeyFillRatio,
    double ExposureStops,
    double FlickerHz = 0,
    double FlickerDepth = 0);

/// <summary>
/// Renders the demo's set: a textured 18 % grey wall, a matte sphere and a row of colour patches, lit by a key and a
/// fill of one colour temperature, white-balanced by the camera and encoded through its log curve and gamut. Physically
/// plain (Lambertian, no interreflection) so the lighting the appliance measures can be compared with what was set.
/// </summary>
public sealed class DemoScene
{
    private static readonly (double R, double G, double B)[] Patches =
    [
        (0.40, 0.08, 0.06), (0.45, 0.32, 0.22), (0.10, 0.28, 0.09), (0.07, 0.10, 0.35), (0.60, 0.60, 0.58),
    ];

    private readonly int _width;
    private readonly int _height;
    private readonly LogCurve _curve;
    private readonly Matrix3 _lightToCamera;
    private readonly DemoLighting _lighting;
    private readonly (double X, double Y, double Z) _key;
    private readonly ushort[] _lut;

    private const double MinLog2 = -14;
    private const double MaxLog2 = 6;
    private const double MinLinear = 1.0 / (1 << 14);
    private const int LutStepsPerStop = 512;

    public DemoScene(int width, int height, LogCurve curve, Gamut gamut, DemoLighting lighting)
    {
        _width = width;
        _height = height;
        _curve = curve;
        _lighting = lighting;

        // A neutral surface under the light has the light's chromaticity; the camera's white balance adapts its
        // white-balance white (daylight or tungsten) to the gamut's D65 white, then the gamut matrix gives camera RGB.
        var light = Chromaticity.XyToXyz(Cct.PlanckianXy(lighting.LightCct).x, Cct.PlanckianXy(lighting.LightCct).y);
        var wbWhite = lighting.CameraWhiteBalanceK >= 4000 ? Cct.DaylightXy(lighting.CameraWhiteBalanceK) : Cct.PlanckianXy(lighting.CameraWhiteBalanceK);
        var adapt = ChromaticAdaptation.Matrix(wbWhite, (Gamuts.D65X, Gamuts.D65Y), AdaptationTransform.Cat16);
        var rgbOfLight = Gamuts.XyzToRgb(gamut) * (adapt * light);
        _lightToCamera = Matrix3.Diagonal(rgbOfLight * (1 / (rgbOfLight.Y > 0 ? rgbOfLight.Y : 1)));

        var az = lighting.KeyAzimuthDeg * Math.PI / 180;
        var el = lighting.KeyElevationDeg * Math.PI / 180;
        _key = (Math.Cos(el) * Math.Cos(az), Math.Cos(el) * Math.Sin(az), Math.Sin(el));
        _lut = BuildLut();
    }

    /// <summary>Renders frame <paramref name="frame"/> as interleaved 16-bit RGB code values (rgb48).</summary>
    public void Render(Span<ushort> rgb, int frame, double fps, double shutterAngle)
    {
        var fill = 1.0 / _lighting.KeyFillRatio;
        var wallShading = fill + Math.Max(0, _key.Z);
        // Reflectances below are already scene values (the wall is 0.18); the gain only normalises the irradiance so the
        // key-lit wall lands on 18 % grey, then applies the take's exposure.
        var gain = Math.Pow(2, _lighting.ExposureStops) / wallShading;
        var cx = _width * 0.5;
        var cy = _height * 0.46;
        var radius = _height * 0.28;
        var frameTime = frame / fps;
        var lineTime = 0.015 / _height;
        var exposure = shutterAngle / 360 / fps;
        for (var y = 0; y < _height; y++)
        {
            var flicker = 1.0;
            if (_lighting.FlickerHz > 0)
            {
                // Rows start exposing one line time apart (rolling shutter); each integrates the light over its exposure.
                var t0 = frameTime + y * lineTime;
                var w = 2 * Math.PI * _lighting.FlickerHz;
                var mean = (Math.Cos(w * t0) - Math.Cos(w * (t0 + exposure))) / (w * exposure);
                flicker = 1 + _lighting.FlickerDepth * mean;
            }

            var row = rgb.Slice(y * _width * 3, _width * 3);
            for (var x = 0; x < _width; x++)
            {
                double r, g, b;
                var dx = (x - cx) / radius;
                var dy = (cy - y) / radius;
                var d2 = dx * dx + dy * dy;
                if (d2 < 1)
                {
                    var nz = Math.Sqrt(1 - d2);
                    var shade = fill + Math.Max(0, dx * _key.X + dy * _key.Y + nz * _key.Z);
                    r = g = b = 0.45 * shade;
                }
                else if (y > _height * 0.84 && y < _height * 0.94 && Patch(x) is { } patch)
                {
                    r = patch.R * wallShading;
                    g = patch.G * wallShading;
                    b = patch.B * wallShading;
                }
                else
                {
                    // The wall: 18 % grey with a soft texture, so edge-based estimators have something to see.
                    var texture = 1 + 0.12 * Math.Sin(x * 0.07) * Math.Sin(y * 0.05);
                    r = g = b = 0.18 * texture * wallShading;
                }

                var k = gain * flicker;
                var cam = _lightToCamera * new Vector3d(r * k, g * k, b * k);
                row[x * 3] = Encode(cam.X);
                row[(x * 3) + 1] = Encode(cam.Y);
                row[(x * 3) + 2] = Encode(cam.Z);
            }
        }
    }

    private (double R, double G, double B)? Patch(int x)
    {
        var width = _width / 8.0;
        var index = (int)((x - (_width * 0.1875)) / width);
        var within = (x - (_width * 0.1875)) - (index * width);
        return index is >= 0 and < 5 && within > width * 0.08 && within < width * 0.92 ? Patches[index] : null;
    }

    private ushort Encode(double linear)
    {
        // A table over log2(linear) keeps the render cheap: a log curve per pixel and channel is most of its cost.
        var position = (Math.Log2(Math.Max(linear, MinLinear)) - MinLog2) * LutStepsPerStop;
        if (position <= 0 || double.IsNaN(position))
        {
            return Code(linear);
        }

        var index = (int)position;
        if (index >= _lut.Length - 1)
        {
            return _lut[^1];
        }

        var t = position - index;
        return (ushort)Math.Round((_lut[index] * (1 - t)) + (_lut[index + 1] * t));
    }

    private ushort Code(double linear) => (ushort)Math.Clamp(Math.Round(LogCurves.Encode(_curve, linear) * 65535), 0, 65535);

    private ushort[] BuildLut()
    {
        var lut = new ushort[(int)((MaxLog2 - MinLog2) * LutStepsPerStop) + 2];
        for (var i = 0; i < lut.Length; i++)
        {
            lut[i] = Code(Math.Pow(2, MinLog2 + (i / (double)LutStepsPerStop)));
        }

        return lut;
    }
}
