using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;

namespace InterPositive.Relight.Models;

/// <summary>A key/fill change: light from (azimuth, elevation) changed by stops on the surfaces facing it.</summary>
/// <param name="Azimuth">Degrees: 0 = from the camera, +90 = from frame right, −90 = from frame left.</param>
/// <param name="Elevation">Degrees: 0 = level, +90 = from straight above.</param>
/// <param name="Stops">+1 doubles the light on surfaces facing that direction; negative takes light away.</param>
public sealed record KeyChange(double Azimuth, double Elevation, double Stops)
{
    public static KeyChange Parse(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 3 || !double.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var az)
            || !double.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var el)
            || !double.TryParse(parts[2], System.Globalization.CultureInfo.InvariantCulture, out var stops))
        {
            throw new ArgumentException($"key '{text}' is not AZIMUTH,ELEVATION,STOPS (e.g. 45,20,1)");
        }

        if (az is < -180 or > 180 || el is < -90 or > 90 || stops is < -6 or > 6)
        {
            throw new ArgumentException($"key '{text}': azimuth must lie in ±180°, elevation in ±90°, stops in ±6");
        }

        return new KeyChange(az, el, stops);
    }
}

/// <summary>
/// Everything one relight of a take asks for, in the trade's terms. The lamp CCT/tint changes the colour of the
/// light as if the lamps were swapped, from the take's <see cref="SourceLamp"/> (measured, or the camera's white
/// balance when unknown), with the camera's white balance (<see cref="CameraKelvin"/>, <see cref="CameraTint"/>)
/// left as it was.
/// </summary>
public sealed record RelightSettings
{
    public TransferCurve InputCurve { get; init; } = LinearTransfer.Instance;

    public Gamut CameraGamut { get; init; } = Gamut.Rec709;

    public double CameraKelvin { get; init; } = 5600;

    public double CameraTint { get; init; }

    /// <summary>
    /// The lamp the take was lit by (<see cref="SourceLamps"/>): what a lamp swap changes from. Null: the camera's white
    /// balance, which is what <see cref="Media.Relighter"/> replaces by the measured light before it prepares a take.
    /// </summary>
    public SourceLamp? SourceLamp { get; init; }

    /// <summary>The source lamp's CCT: <see cref="SourceLamp"/>'s, or the camera's white balance.</summary>
    public double SourceKelvin => SourceLamp?.Kelvin ?? CameraKelvin;

    /// <summary>The source lamp's tint (relight's convention), or the camera's.</summary>
    public double SourceTint => SourceLamp?.Tint ?? CameraTint;

    /// <summary>The new lamps' CCT; null leaves the colour of the light alone.</summary>
    public double? LampKelvin { get; init; }

    public double LampTint { get; init; }

    public AdaptationTransform Adaptation { get; init; } = AdaptationTransform.Cat16;

    public double ExposureStops { get; init; }

    public KeyChange? Key { get; init; }

    public CdlValues? Cdl { get; init; }

    public bool CdlInLog { get; init; } = true;

    public OutputKind Output { get; init; } = OutputKind.Display;

    public Gamut DisplayGamut { get; init; } = Gamut.Rec709;

    public PowerTransfer DisplayCurve { get; init; } = PowerTransfer.Gamma24;

    /// <summary>The take's lighting as shot when the lighting analysis already has it; fitted from the take otherwise.</summary>
    public ShLighting? SourceLighting { get; init; }

    /// <summary>
    /// The lamp change in the camera's RGB: from the source lamp to the new one. The camera's white balance is a
    /// von Kries scaling in the same kind of cone space, so it commutes with the change and drops out.
    /// </summary>
    public Matrix3 AdaptationMatrix() =>
        LampKelvin is not null || LampTint != 0
            ? LampAdaptation.LampChange(CameraGamut, Adaptation, SourceKelvin, SourceTint, LampKelvin ?? SourceKelvin, LampTint)
            : Matrix3.Identity;

    /// <summary>The settings with a preset's changes applied on top.</summary>
    public RelightSettings With(RelightPreset preset) => this with
    {
        LampKelvin = preset.LampKelvin ?? LampKelvin,
        LampTint = preset.LampTint ?? LampTint,
        ExposureStops = preset.ExposureStops ?? ExposureStops,
        Key = preset.Key ?? Key,
        Output = preset.Output ?? Output,
    };

    public void Validate()
    {
        if (LampKelvin is { } k && k is < 1000 or > 25000)
        {
            throw new ArgumentException($"CCT {k} K is outside 1000–25000 K");
        }

        if (CameraKelvin is < 1000 or > 25000)
        {
            throw new ArgumentException($"camera white balance {CameraKelvin} K is outside 1000–25000 K");
        }

        if (Math.Abs(LampTint) > 100 || Math.Abs(CameraTint) > 100)
        {
            throw new ArgumentException("tint must lie in ±100 (0.001 Duv per unit, + towards magenta)");
        }

        if (ExposureStops is < -10 or > 10 || !double.IsFinite(ExposureStops))
        {
            throw new ArgumentException("exposure must lie in ±10 stops");
        }

        if (Output == OutputKind.Log && !InputCurve.IsLog)
        {
            throw new ArgumentException("--to log writes back in the input's own log curve: give it with --log");
        }

        SourceLamp?.Validate();
        Cdl?.Validate();
    }
}

/// <summary>A relight the DIT configures once and the service renders for every new clip.</summary>
/// <param name="Name">Short name used in file names, e.g. <c>tungsten-warm</c>.</param>
/// <param name="LampKelvin">New lamp CCT, or null to keep the take's.</param>
/// <param name="LampTint">New lamp tint (+ magenta), or null to keep.</param>
/// <param name="ExposureStops">Exposure change, or null to keep.</param>
/// <param name="Key">Key/fill change, or null for none.</param>
/// <param name="Output">Output kind, or null to keep.</param>
public sealed record RelightPreset(string Name, double? LampKelvin = null, double? LampTint = null, double? ExposureStops = null, KeyChange? Key = null, OutputKind? Output = null);

/// <summary>Bridges the catalog's ASC CDL record (InterPositive.Formats) to the graph's tensors.</summary>
public static class CdlBridge
{
    public static CdlValues ToValues(InterPositive.Formats.Cdl.Cdl cdl) => new(
        [(float)cdl.Slope.R, (float)cdl.Slope.G, (float)cdl.Slope.B],
        [(float)cdl.Offset.R, (float)cdl.Offset.G, (float)cdl.Offset.B],
        [(float)cdl.Power.R, (float)cdl.Power.G, (float)cdl.Power.B],
        (float)cdl.Saturation,
        cdl.Id);
}
