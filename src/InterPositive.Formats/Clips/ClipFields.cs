using System.Globalization;

namespace InterPositive.Formats.Clips;

/// <summary>
/// The one vocabulary that maps camera metadata names (QuickTime mdta keys such as <c>com.arri.camera.ReelName</c>
/// or <c>org.smpte.rdd18.lens.irisfnumber</c>, Blackmagic sidecar keys such as <c>white_balance_kelvin</c>) and their
/// textual values ("4300K", "F2.8", "1/48", "35mm") onto the normalised clip record.
/// </summary>
public static class ClipFields
{
    /// <summary>Applies every known key of <paramref name="values"/>; unknown keys and unparsable values are skipped.</summary>
    public static ClipRecord Apply(ClipRecord clip, IEnumerable<KeyValuePair<string, string>> values)
    {
        foreach (var (key, value) in values)
        {
            clip = Apply(clip, key, value);
        }

        return clip;
    }

    /// <summary>Applies one key/value pair when the key is known and the value parses.</summary>
    public static ClipRecord Apply(ClipRecord clip, string key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return clip;
        }

        var text = value.Trim();
        return Normalise(key) switch
        {
            "cameramodel" or "model" or "cameratype" or "cameramodelname" => clip with { Camera = clip.Camera with { Model = text } },
            "make" or "manufacturer" or "cameramanufacturer" or "cameramake" => clip with { Camera = clip.Camera with { Make = text } },
            "cameraserialnumber" or "cameraserial" or "serialnumber" or "serial" or "cameraserialno" => clip with { Camera = clip.Camera with { Serial = text } },
            "reelname" or "reel" or "camroll" or "tapename" or "reelnumber" => clip with { Reel = text },
            "scenename" or "scene" => clip with { Scene = text },
            "takename" or "take" or "takenumber" => clip with { Take = text },
            "clipname" => clip with { Clip = text },
            "whitebalancekelvin" or "whitebalance" or "colortemperature" or "colourtemperature" or "whitebalancekelvins" =>
                Number(text, "k") is { } k && k is > 1000 and < 100000 ? clip with { WhiteBalanceK = (int)Math.Round(k) } : clip,
            "whitebalancetint" or "tint" or "colorcorrection" =>
                Number(text) is { } t ? clip with { Tint = t } : clip,
            "exposureindexasa" or "exposureindex" or "exposureindexofphotometer" or "ei" or "asa" =>
                Number(text) is { } ei && ei > 0 ? clip with { ExposureIndex = (int)Math.Round(ei) } : clip,
            "iso" or "isosensitivity" or "isospeed" =>
                Number(text) is { } iso && iso > 0 ? clip with { Iso = (int)Math.Round(iso) } : clip,
            "shutterangle" or "shutterspeedangle" or "exposureangle" =>
                Number(text, "°", "deg") is { } angle && angle is > 0 and <= 360 ? clip with { ShutterAngle = angle } : clip,
            "shutterspeedtime" or "shutterspeed" or "exposuretime" or "shuttertime" =>
                Seconds(text) is { } seconds ? clip with { ShutterSeconds = seconds } : clip,
            "shuttervalue" or "shutter" => Shutter(clip, text),
            "ndfilterdensity" or "neutraldensityfilterwheelsetting" or "internalnd" or "nd" or "ndfilter" or "ndfilterwheel" => clip with { Nd = text },
            "lenstype" or "lensmodel" or "lens" or "lensmodelname" => clip with { Lens = clip.Lens with { Model = text } },
            "lensserialnumber" or "lensserial" or "lensserialno" => clip with { Lens = clip.Lens with { Serial = text } },
            "focallength" or "lensfocallength" or "focallengthmm" or "lenszoomactualfocallength" or "lenszoom" =>
                Number(text, "mm") is { } mm && mm > 0 ? clip with { Lens = clip.Lens with { FocalLengthMm = mm } } : clip,
            "irisfnumber" or "aperture" or "fnumber" or "lensirisfnumber" => Iris(clip, text, tStopByDefault: false),
            "iristnumber" or "tstop" or "lensiristnumber" => Iris(clip, text, tStopByDefault: true),

            // ARRI states its LensIris in T-stops (LDS lenses report T); a letter in the value always decides.
            "lensiris" or "iris" => Iris(clip, text, tStopByDefault: key.StartsWith("com.arri.", StringComparison.OrdinalIgnoreCase)),
            "focusdistance" or "focusposition" or "distance" or "lensfocusdistance" or "focusdistancem" or "focuspositionfromimageplane" =>
                Metres(text) is { } m ? clip with { Lens = clip.Lens with { FocusDistanceM = m } } : clip,
            _ => clip,
        };
    }

    /// <summary>True for keys that name the camera body (make, model, serial): a recorder's own keys must not fill them.</summary>
    public static bool IsCameraIdentity(string key) => Normalise(key) is
        "cameramodel" or "model" or "cameratype" or "cameramodelname" or "make" or "manufacturer" or "cameramanufacturer" or "cameramake"
        or "cameraserialnumber" or "cameraserial" or "serialnumber" or "serial" or "cameraserialno";

    /// <summary>The key in comparable form: last dotted segment, lower case, letters and digits only.</summary>
    public static string Normalise(string key)
    {
        var dot = key.LastIndexOf('.');
        var tail = dot >= 0 ? key[(dot + 1)..] : key;
        return string.Concat(tail.Where(char.IsAsciiLetterOrDigit)).ToLowerInvariant();
    }

    /// <summary>A number with optional unit suffixes ("4300K", "35mm", "172.8°"), invariant culture.</summary>
    public static double? Number(string text, params string[] units)
    {
        var t = text.Trim();
        foreach (var unit in units)
        {
            if (t.EndsWith(unit, StringComparison.OrdinalIgnoreCase))
            {
                t = t[..^unit.Length].TrimEnd();
                break;
            }
        }

        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null;
    }

    /// <summary>
    /// An iris value where it belongs: "T2.8" is a T-stop (light transmitted), "F2.8"/"f/2.8" an f-number (geometry);
    /// a bare number takes the key's meaning.
    /// </summary>
    private static ClipRecord Iris(ClipRecord clip, string text, bool tStopByDefault)
    {
        if (Aperture(text) is not { } value)
        {
            return clip;
        }

        var letter = text.TrimStart()[0];
        var tStop = letter is 'T' or 't' || (letter is not ('F' or 'f') && tStopByDefault);
        return clip with { Lens = tStop ? clip.Lens with { TStop = value } : clip.Lens with { FNumber = value } };
    }

    /// <summary>"F2.8", "f/2.8", "T2.1", "2.8" → 2.8.</summary>
    public static double? Aperture(string text)
    {
        var t = text.Trim().TrimStart('F', 'f', 'T', 't', '/', ' ');
        return Number(t) is { } v && v is > 0.3 and < 128 ? v : null;
    }

    /// <summary>"1/48", "1/48s", "0.0208", "20.8ms" → seconds.</summary>
    public static double? Seconds(string text)
    {
        var t = text.Trim();
        if (t.EndsWith("ms", StringComparison.OrdinalIgnoreCase))
        {
            return Number(t[..^2]) is { } ms && ms > 0 ? ms / 1000 : null;
        }

        t = t.TrimEnd('s', 'S', ' ');
        var slash = t.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            return Number(t[..slash]) is { } n && Number(t[(slash + 1)..]) is { } d && n > 0 && d > 0 ? n / d : null;
        }

        return Number(t) is { } s && s is > 0 and < 3600 ? s : null;
    }

    /// <summary>"2.5m", "2500mm", "98in", "2.5" (metres) → metres.</summary>
    public static double? Metres(string text)
    {
        var t = text.Trim();
        double? value;
        if (t.EndsWith("mm", StringComparison.OrdinalIgnoreCase))
        {
            value = Number(t[..^2]) / 1000;
        }
        else if (t.EndsWith("cm", StringComparison.OrdinalIgnoreCase))
        {
            value = Number(t[..^2]) / 100;
        }
        else if (t.EndsWith("in", StringComparison.OrdinalIgnoreCase))
        {
            value = Number(t[..^2]) * 0.0254;
        }
        else if (t.EndsWith("ft", StringComparison.OrdinalIgnoreCase))
        {
            value = Number(t[..^2]) * 0.3048;
        }
        else
        {
            value = Number(t, "m");
        }

        return value is { } v && v >= 0 && double.IsFinite(v) ? v : null;
    }

    /// <summary>A shutter given either way: "180°"/"180 deg" is an angle, "1/48" a time.</summary>
    private static ClipRecord Shutter(ClipRecord clip, string text)
    {
        if (text.Contains('/', StringComparison.Ordinal) || text.EndsWith('s'))
        {
            return Seconds(text) is { } s ? clip with { ShutterSeconds = s } : clip;
        }

        return Number(text, "°", "deg") is { } angle && angle is > 0 and <= 360 ? clip with { ShutterAngle = angle } : clip;
    }
}
