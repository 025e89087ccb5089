namespace InterPositive.Formats.Rdd18;

/// <summary>
/// SMPTE RDD 18 acquisition metadata (lens and camera units) as carried in MXF local sets, Sony <c>rtmd</c>
/// tracks and over SDI (DID/SDID 0x43/0x05). Every item is optional: cameras send the subset they know.
/// Units are explicit in the names: metres, millimetres, degrees, seconds, kelvin, decibels.
/// </summary>
public sealed record AcquisitionMetadata
{
    /// <summary>0x8000 iris F-number.</summary>
    public double? IrisFNumber { get; init; }

    /// <summary>0x8008 iris T-number.</summary>
    public double? IrisTNumber { get; init; }

    /// <summary>0x8001 focus distance from the image plane, metres.</summary>
    public double? FocusDistanceMetres { get; init; }

    /// <summary>0x8002 focus distance from the front lens vertex, metres.</summary>
    public double? FocusDistanceFrontVertexMetres { get; init; }

    /// <summary>0x8004 zoom as a 35 mm still-camera equivalent focal length, millimetres.</summary>
    public double? FocalLength35mmEquivalentMm { get; init; }

    /// <summary>0x8005 actual focal length, millimetres.</summary>
    public double? FocalLengthMm { get; init; }

    /// <summary>0x8009 iris ring position, percent.</summary>
    public double? IrisRingPercent { get; init; }

    /// <summary>0x800A focus ring position, percent.</summary>
    public double? FocusRingPercent { get; init; }

    /// <summary>0x800B zoom ring position, percent.</summary>
    public double? ZoomRingPercent { get; init; }

    /// <summary>0x8007 lens attributes (maker, model, serial), as the camera writes them.</summary>
    public string? LensAttributes { get; init; }

    /// <summary>0x8103 ND filter wheel: 1 = clear, N = transmission 1/N.</summary>
    public int? NdFilter { get; init; }

    /// <summary>0x8106 capture (sensor) frame rate, frames per second.</summary>
    public double? CaptureFrameRate { get; init; }

    /// <summary>0x8108 shutter angle, degrees.</summary>
    public double? ShutterAngleDegrees { get; init; }

    /// <summary>0x8109 shutter (exposure) time, seconds.</summary>
    public double? ShutterTimeSeconds { get; init; }

    /// <summary>0x810A master gain, decibels.</summary>
    public double? MasterGainDb { get; init; }

    /// <summary>0x810B ISO sensitivity.</summary>
    public int? Iso { get; init; }

    /// <summary>0x810E white balance, kelvin.</summary>
    public int? WhiteBalanceKelvin { get; init; }

    /// <summary>0x8114 camera attributes (model, serial, firmware), as the camera writes them.</summary>
    public string? CameraAttributes { get; init; }

    /// <summary>0x8115 exposure index of the photo meter (EI).</summary>
    public int? ExposureIndex { get; init; }

    /// <summary>0x8117 ASC CDL carried by the camera.</summary>
    public Rdd18Cdl? Cdl { get; init; }

    /// <summary>ND as stops of attenuation (log2 of the filter factor); null when no ND item came.</summary>
    public double? NdStops => NdFilter is { } n && n > 0 ? Math.Log2(n) : null;

    /// <summary>Takes every item present in <paramref name="newer"/> over this one (metadata arrives in partial sets).</summary>
    public AcquisitionMetadata Merge(AcquisitionMetadata newer) => new()
    {
        IrisFNumber = newer.IrisFNumber ?? IrisFNumber,
        IrisTNumber = newer.IrisTNumber ?? IrisTNumber,
        FocusDistanceMetres = newer.FocusDistanceMetres ?? FocusDistanceMetres,
        FocusDistanceFrontVertexMetres = newer.FocusDistanceFrontVertexMetres ?? FocusDistanceFrontVertexMetres,
        FocalLength35mmEquivalentMm = newer.FocalLength35mmEquivalentMm ?? FocalLength35mmEquivalentMm,
        FocalLengthMm = newer.FocalLengthMm ?? FocalLengthMm,
        IrisRingPercent = newer.IrisRingPercent ?? IrisRingPercent,
        FocusRingPercent = newer.FocusRingPercent ?? FocusRingPercent,
        ZoomRingPercent = newer.ZoomRingPercent ?? ZoomRingPercent,
        LensAttributes = newer.LensAttributes ?? LensAttributes,
        NdFilter = newer.NdFilter ?? NdFilter,
        CaptureFrameRate = newer.CaptureFrameRate ?? CaptureFrameRate,
        ShutterAngleDegrees = newer.ShutterAngleDegrees ?? ShutterAngleDegrees,
        ShutterTimeSeconds = newer.ShutterTimeSeconds ?? ShutterTimeSeconds,
        MasterGainDb = newer.MasterGainDb ?? MasterGainDb,
        Iso = newer.Iso ?? Iso,
        WhiteBalanceKelvin = newer.WhiteBalanceKelvin ?? WhiteBalanceKelvin,
        CameraAttributes = newer.CameraAttributes ?? CameraAttributes,
        ExposureIndex = newer.ExposureIndex ?? ExposureIndex,
        Cdl = newer.Cdl ?? Cdl,
    };
}

/// <summary>An ASC CDL as RDD 18 carries it (item 0x8117): slope, offset, power per channel and saturation.</summary>
public sealed record Rdd18Cdl(
    double SlopeR, double SlopeG, double SlopeB,
    double OffsetR, double OffsetG, double OffsetB,
    double PowerR, double PowerG, double PowerB,
    double Saturation);
