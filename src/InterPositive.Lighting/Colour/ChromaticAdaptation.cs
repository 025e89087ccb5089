namespace InterPositive.Lighting.Colour;

/// <summary>The cone-response spaces a von Kries-style adaptation can run in.</summary>
public enum AdaptationTransform
{
    Bradford,
    Cat16,
    VonKries,
}

/// <summary>Chromatic adaptation: M = M⁻¹·diag(M·XYZ_dst / M·XYZ_src)·M (CIE 160, colour-science <c>chromatic_adaptation</c>).</summary>
public static class ChromaticAdaptation
{
    private static readonly Matrix3 BradfordM = new(0.8951, 0.2664, -0.1614, -0.7502, 1.7135, 0.0367, 0.0389, -0.0685, 1.0296);
    private static readonly Matrix3 Cat16M = new(0.401288, 0.650173, -0.051461, -0.250268, 1.204414, 0.045854, -0.002079, 0.048952, 0.953127);
    private static readonly Matrix3 VonKriesM = new(0.40024, 0.70760, -0.08081, -0.22630, 1.16532, 0.04570, 0, 0, 0.91822);

    public static Matrix3 ConeMatrix(AdaptationTransform transform) => transform switch
    {
        AdaptationTransform.Bradford => BradfordM,
        AdaptationTransform.Cat16 => Cat16M,
        _ => VonKriesM,
    };

    /// <summary>The XYZ→XYZ matrix that carries colours seen under <paramref name="sourceWhite"/> to <paramref name="destinationWhite"/>.</summary>
    public static Matrix3 Matrix(Vector3d sourceWhite, Vector3d destinationWhite, AdaptationTransform transform = AdaptationTransform.Bradford)
    {
        var m = ConeMatrix(transform);
        var src = m * sourceWhite;
        var dst = m * destinationWhite;
        return m.Inverse() * Matrix3.Diagonal(new Vector3d(dst.X / src.X, dst.Y / src.Y, dst.Z / src.Z)) * m;
    }

    /// <summary>Same, from white chromaticities (luminance 1).</summary>
    public static Matrix3 Matrix((double x, double y) sourceWhite, (double x, double y) destinationWhite, AdaptationTransform transform = AdaptationTransform.Bradford) =>
        Matrix(Chromaticity.XyToXyz(sourceWhite.x, sourceWhite.y), Chromaticity.XyToXyz(destinationWhite.x, destinationWhite.y), transform);
}
