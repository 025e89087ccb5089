namespace InterPositive.Lighting.Analysis;

/// <summary>The false-colour bands DITs read (after ARRI's and Blackmagic's monitoring), by stops from 18 % grey.</summary>
public enum FalseColourZone
{
    /// <summary>Purple: crushed, no detail (more than 7 stops under grey).</summary>
    Crushed,

    /// <summary>Blue: deep shadow, 4 to 7 stops under.</summary>
    DeepShadow,

    /// <summary>Dark grey: shadow, 1 to 4 stops under.</summary>
    Shadow,

    /// <summary>Green: 18 % grey, within ±½ stop.</summary>
    MiddleGrey,

    /// <summary>Grey: between grey and skin (½ to 1 stop over, or ½ to 1 under).</summary>
    Mid,

    /// <summary>Pink: one stop over grey, where lit Caucasian skin sits (1 to 2 stops over).</summary>
    Skin,

    /// <summary>Light grey: highlights from 2 stops over to ½ stop under clip.</summary>
    Highlight,

    /// <summary>Yellow: within ½ stop of clip.</summary>
    NearClip,

    /// <summary>Red: clipped.</summary>
    Clipped,
}

/// <summary>Maps luminance in stops to a false-colour zone and its monitor colour.</summary>
public static class FalseColour
{
    public const int ZoneCount = 9;

    public static FalseColourZone Zone(double stops, double clipStops, int clippedFlag)
    {
        if (clippedFlag != 0 || stops >= clipStops)
        {
            return FalseColourZone.Clipped;
        }

        return stops switch
        {
            < -7 => FalseColourZone.Crushed,
            < -4 => FalseColourZone.DeepShadow,
            < -1 => FalseColourZone.Shadow,
            < -0.5 => FalseColourZone.Mid,
            <= 0.5 => FalseColourZone.MiddleGrey,
            < 1 => FalseColourZone.Mid,
            _ when stops >= clipStops - 0.5 => FalseColourZone.NearClip,
            < 2 => FalseColourZone.Skin,
            _ => FalseColourZone.Highlight,
        };
    }

    /// <summary>The monitor colour (8-bit sRGB) each zone is painted in.</summary>
    public static (byte R, byte G, byte B) Colour(FalseColourZone zone) => zone switch
    {
        FalseColourZone.Crushed => (128, 0, 160),
        FalseColourZone.DeepShadow => (0, 64, 255),
        FalseColourZone.Shadow => (70, 70, 70),
        FalseColourZone.MiddleGrey => (0, 200, 0),
        FalseColourZone.Mid => (128, 128, 128),
        FalseColourZone.Skin => (255, 120, 180),
        FalseColourZone.Highlight => (200, 200, 200),
        FalseColourZone.NearClip => (255, 230, 0),
        _ => (255, 0, 0),
    };

    public static string Name(FalseColourZone zone) => zone switch
    {
        FalseColourZone.Crushed => "crushed",
        FalseColourZone.DeepShadow => "deepShadow",
        FalseColourZone.Shadow => "shadow",
        FalseColourZone.MiddleGrey => "middleGrey",
        FalseColourZone.Mid => "mid",
        FalseColourZone.Skin => "skin",
        FalseColourZone.Highlight => "highlight",
        FalseColourZone.NearClip => "nearClip",
        _ => "clipped",
    };
}
