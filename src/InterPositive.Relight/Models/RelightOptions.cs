using InterPositive.Lighting.Colour;
using InterPositive.Relight.Colour;

namespace InterPositive.Relight.Models;

/// <summary>How the key/fill change gets its surface normals.</summary>
public enum ShadingMode
{
    /// <summary>No key/fill change: the SH stage is left out of the graph.</summary>
    None,

    /// <summary>Normals come in as an input (the production's normal pass, camera space, unit length).</summary>
    Normals,

    /// <summary>Normals are estimated in the graph from the image (see <see cref="BuiltInRelightModel"/>).</summary>
    Estimated,
}

/// <summary>What the relit frame is written as.</summary>
public enum OutputKind
{
    /// <summary>Display-referred: camera gamut → display gamut, clipped to 0–1, display encoding.</summary>
    Display,

    /// <summary>Back to the camera's own log curve and gamut.</summary>
    Log,

    /// <summary>Scene-linear in the camera's gamut.</summary>
    Linear,
}

/// <summary>
/// The structure of one built-in relight graph: what it decodes, which stages it carries and how it encodes.
/// Structure only; the values (CCT, exposure, lighting, CDL) are graph inputs, so one session serves every take.
/// Records compare by value: the engine keeps one session per distinct structure.
/// </summary>
public sealed record RelightGraphOptions
{
    /// <summary>The input's encoding, decoded in the graph (Linear: the input is already scene-linear).</summary>
    public TransferCurve InputCurve { get; init; } = LinearTransfer.Instance;

    /// <summary>The camera's gamut: the working space of every stage.</summary>
    public Gamut CameraGamut { get; init; } = Gamut.Rec709;

    public ShadingMode Shading { get; init; } = ShadingMode.None;

    /// <summary>Blur radius (pixels) of the normal estimator; scale it with the frame (about height/270).</summary>
    public int EstimatorRadius { get; init; } = 4;

    /// <summary>
    /// Estimated normals only: estimate and shade on a copy box-averaged by this factor, then resize the gain back
    /// (bilinear); about height/270. 1 works at full size.
    /// </summary>
    public int ShadingScale { get; init; } = 1;

    /// <summary>
    /// Estimated normals only: radius (pixels, at the estimator's resolution) of the large blur that normalises albedo
    /// for the shape-from-shading step (<see cref="BuiltInRelightModel"/>); about height/10. 0 leaves the step out.
    /// </summary>
    public int AlbedoRadius { get; init; }

    public bool Cdl { get; init; }

    /// <summary>Grade the CDL in the camera's log encoding (the on-set norm) rather than on linear values.</summary>
    public bool CdlInLog { get; init; } = true;

    public OutputKind Output { get; init; } = OutputKind.Display;

    public Gamut DisplayGamut { get; init; } = Gamut.Rec709;

    public PowerTransfer DisplayCurve { get; init; } = PowerTransfer.Gamma24;

    /// <summary>Whether the CDL stage really runs on log values (asked for, and the input has a log curve).</summary>
    public bool CdlRunsInLog => Cdl && CdlInLog && InputCurve.IsLog;

    /// <summary>Estimator radius suited to a frame height.</summary>
    public static int RadiusFor(int height) => Math.Clamp((int)Math.Round(height / 270.0), 2, 12);

    /// <summary>Albedo radius suited to the estimator's frame height.</summary>
    public static int AlbedoRadiusFor(int height) => Math.Clamp((int)Math.Round(height / 10.0), 2, 48);

    /// <summary>Shading scale suited to a frame height (the estimator then works near 270 lines).</summary>
    public static int ShadingScaleFor(int height) => Math.Clamp(height / 270, 1, 16);

    public void Validate()
    {
        if (Output == OutputKind.Log && !InputCurve.IsLog)
        {
            throw new ArgumentException("output back to log needs the input's log curve (--log)");
        }

        if (ShadingScale is < 1 or > 16)
        {
            throw new ArgumentException("shading scale must lie in 1–16");
        }

        if (EstimatorRadius is < 1 or > 32)
        {
            throw new ArgumentException("estimator radius must lie in 1–32 pixels");
        }

        if (AlbedoRadius is < 0 or > 64)
        {
            throw new ArgumentException("albedo radius must lie in 0–64 pixels");
        }
    }

    public override string ToString() =>
        $"in={InputCurve.Name}/{Gamuts.Name(CameraGamut)} shading={Shading} r={EstimatorRadius} a={AlbedoRadius} s={ShadingScale} cdl={(Cdl ? (CdlRunsInLog ? "log" : "linear") : "off")} out={Output}" +
        (Output == OutputKind.Display ? $"/{Gamuts.Name(DisplayGamut)}/{DisplayCurve.Name}" : "");
}

/// <summary>ASC CDL values (v1.2: clamp to 0–1 before the power and after saturation; Rec.709 luma for saturation).</summary>
public sealed record CdlValues(float[] Slope, float[] Offset, float[] Power, float Saturation, string? Id = null)
{
    public static CdlValues Identity { get; } = new([1, 1, 1], [0, 0, 0], [1, 1, 1], 1);

    public void Validate()
    {
        if (Slope.Length != 3 || Offset.Length != 3 || Power.Length != 3)
        {
            throw new ArgumentException("a CDL needs three slope, offset and power values");
        }

        if (Slope.Any(s => s < 0 || !float.IsFinite(s)) || Power.Any(p => p <= 0 || !float.IsFinite(p)) || Offset.Any(o => !float.IsFinite(o))
            || Saturation < 0 || !float.IsFinite(Saturation))
        {
            throw new ArgumentException("CDL slope and saturation must be ≥ 0, power > 0, all finite");
        }
    }
}

/// <summary>
/// The per-take values fed to the graph (never per frame, so clip previews do not flicker).
/// </summary>
/// <param name="Adaptation">The lamp change in the camera's RGB (identity when the CCT is unchanged).</param>
/// <param name="ExposureStops">Exposure change in stops.</param>
/// <param name="SourceLighting">The take's SH lighting as shot (needed when the graph shades).</param>
/// <param name="TargetLighting">The lighting to relight to.</param>
/// <param name="Cdl">The grade (needed when the graph carries the CDL stage).</param>
/// <param name="NormalScale">Estimator gain: gradient of log luminance per pixel → normal tilt; about 0.15·frame height.</param>
public sealed record RelightConditioning(
    Matrix3 Adaptation,
    double ExposureStops,
    ShLighting? SourceLighting = null,
    ShLighting? TargetLighting = null,
    CdlValues? Cdl = null,
    double NormalScale = 160)
{
    public static RelightConditioning Neutral { get; } = new(Matrix3.Identity, 0);
}
