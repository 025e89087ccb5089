using System.Globalization;

namespace InterPositive.Formats;

/// <summary>
/// A video frame rate as the trade names it: an exact rational (24000/1001 for "23.976"), the nominal
/// integer rate timecode counts in (24), and whether timecode drops frame numbers (29.97 and 59.94 DF).
/// </summary>
public readonly record struct FrameRate
{
    public FrameRate(int numerator, int denominator, bool dropFrame = false)
    {
        if (numerator <= 0 || denominator <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(numerator), FormattableString.Invariant($"frame rate {numerator}/{denominator} is not positive"));
        }

        var nominal = (int)Math.Round((double)numerator / denominator, MidpointRounding.AwayFromZero);
        if (nominal < 1 || nominal > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(numerator), FormattableString.Invariant($"frame rate {numerator}/{denominator} is outside 1..1000 fps"));
        }

        // Drop frame exists only for the NTSC-family 30 and 60 nominal rates (SMPTE ST 12-1).
        if (dropFrame && nominal is not (30 or 60))
        {
            throw new ArgumentException(FormattableString.Invariant($"drop-frame timecode is defined for 29.97 and 59.94 only, not {numerator}/{denominator}"), nameof(dropFrame));
        }

        var gcd = Gcd(numerator, denominator);
        Numerator = numerator / gcd;
        Denominator = denominator / gcd;
        DropFrame = dropFrame;
        Nominal = nominal;
    }

    public static FrameRate Fps23_976 { get; } = new(24000, 1001);
    public static FrameRate Fps24 { get; } = new(24, 1);
    public static FrameRate Fps25 { get; } = new(25, 1);
    public static FrameRate Fps29_97 { get; } = new(30000, 1001);
    public static FrameRate Fps29_97DropFrame { get; } = new(30000, 1001, dropFrame: true);
    public static FrameRate Fps30 { get; } = new(30, 1);
    public static FrameRate Fps47_952 { get; } = new(48000, 1001);
    public static FrameRate Fps48 { get; } = new(48, 1);
    public static FrameRate Fps50 { get; } = new(50, 1);
    public static FrameRate Fps59_94 { get; } = new(60000, 1001);
    public static FrameRate Fps59_94DropFrame { get; } = new(60000, 1001, dropFrame: true);
    public static FrameRate Fps60 { get; } = new(60, 1);

    /// <summary>The rates cameras and editorial use, drop-frame variants included.</summary>
    public static IReadOnlyList<FrameRate> Standard { get; } =
    [
        Fps23_976, Fps24, Fps25, Fps29_97, Fps29_97DropFrame, Fps30, Fps47_952, Fps48, Fps50, Fps59_94, Fps59_94DropFrame, Fps60,
    ];

    /// <summary>Frames per second numerator (reduced).</summary>
    public int Numerator { get; }

    /// <summary>Frames per second denominator (reduced).</summary>
    public int Denominator { get; }

    /// <summary>Whether timecode at this rate drops frame numbers 0 and 1 (0–3 at 59.94) each minute except every tenth.</summary>
    public bool DropFrame { get; }

    /// <summary>The integer rate timecode counts in: 24 for 23.976, 30 for 29.97.</summary>
    public int Nominal { get; }

    /// <summary>The exact rate as a double.</summary>
    public double FramesPerSecond => (double)Numerator / Denominator;

    /// <summary>Whether this is an NTSC-family rate (denominator 1001).</summary>
    public bool IsFractional => Denominator == 1001;

    /// <summary>Frame numbers skipped at each minute that is not a multiple of ten (0 when not drop frame).</summary>
    public int DroppedPerMinute => DropFrame ? Nominal / 15 : 0;

    /// <summary>Timecode labels in one 24-hour day at this rate.</summary>
    public long FramesPerDay => DropFrame
        ? 24L * 6 * FramesPer10Minutes
        : 24L * 3600 * Nominal;

    internal long FramesPer10Minutes => (600L * Nominal) - (9L * DroppedPerMinute);

    internal long FramesPerDropMinute => (60L * Nominal) - DroppedPerMinute;

    /// <summary>The decimal string editorial uses: "23.976", "29.97", "25", "59.94".</summary>
    public string ToDecimalString()
    {
        // Three decimals, truncated as the trade writes them (24000/1001 = 23.976..., 60000/1001 = 59.94...).
        var value = Math.Round(FramesPerSecond, 3, MidpointRounding.AwayFromZero);
        return value.ToString("0.###", CultureInfo.InvariantCulture);
    }

    /// <summary>"23.976", "29.97 DF", "25".</summary>
    public override string ToString() => DropFrame ? ToDecimalString() + " DF" : ToDecimalString();

    /// <summary>
    /// The rate from a rational (timescale and frame duration, edit rate). Snaps near-NTSC rationals such as
    /// 2997/100 or 23976/1000 to the exact x000/1001 so timecode and durations stay frame-exact.
    /// </summary>
    public static FrameRate FromRational(long numerator, long denominator, bool dropFrame = false)
    {
        if (numerator <= 0 || denominator <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(numerator), FormattableString.Invariant($"frame rate {numerator}/{denominator} is not positive"));
        }

        var fps = (double)numerator / denominator;
        var nominal = Math.Round(fps, MidpointRounding.AwayFromZero);
        var ntsc = nominal * 1000.0 / 1001.0;
        if (Math.Abs(fps - ntsc) < 0.0015 && Math.Abs(fps - nominal) > 0.0015)
        {
            return new FrameRate((int)(nominal * 1000), 1001, dropFrame);
        }

        var gcd = Gcd(numerator, denominator);
        numerator /= gcd;
        denominator /= gcd;
        if (numerator > int.MaxValue || denominator > int.MaxValue)
        {
            // Irreducible huge rationals: keep three decimals of precision.
            return new FrameRate((int)Math.Round(fps * 1000), 1000, dropFrame);
        }

        return new FrameRate((int)numerator, (int)denominator, dropFrame);
    }

    /// <summary>The rate from frames per second as written in metadata ("23.976", "23.98", "29.97", "25.00").</summary>
    public static FrameRate FromFramesPerSecond(double fps, bool dropFrame = false)
    {
        if (!double.IsFinite(fps) || fps <= 0 || fps > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(fps), FormattableString.Invariant($"frame rate {fps} is outside 0..1000 fps"));
        }

        var nominal = Math.Round(fps, MidpointRounding.AwayFromZero);
        if (Math.Abs(fps - nominal) < 0.001)
        {
            return new FrameRate((int)nominal, 1, dropFrame);
        }

        var ntsc = nominal * 1000.0 / 1001.0;
        if (Math.Abs(fps - ntsc) < 0.006)
        {
            return new FrameRate((int)(nominal * 1000), 1001, dropFrame);
        }

        return FromRational((long)Math.Round(fps * 1000), 1000, dropFrame);
    }

    /// <summary>Parses "23.976", "29.97DF", "29.97 DF", "59.94 NDF", "24000/1001", "25".</summary>
    public static bool TryParse(string? text, out FrameRate rate)
    {
        rate = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var t = text.Trim();
        var drop = false;
        if (t.EndsWith("NDF", StringComparison.OrdinalIgnoreCase))
        {
            t = t[..^3].TrimEnd();
        }
        else if (t.EndsWith("DF", StringComparison.OrdinalIgnoreCase))
        {
            drop = true;
            t = t[..^2].TrimEnd();
        }

        try
        {
            var slash = t.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0)
            {
                if (long.TryParse(t.AsSpan(0, slash), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
                    && long.TryParse(t.AsSpan(slash + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var d)
                    && n > 0 && d > 0)
                {
                    rate = FromRational(n, d, drop);
                    return true;
                }

                return false;
            }

            if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var fps) && double.IsFinite(fps) && fps > 0 && fps <= 1000)
            {
                rate = FromFramesPerSecond(fps, drop);
                return true;
            }
        }
        catch (ArgumentException)
        {
            return false;
        }

        return false;
    }

    /// <summary>Parses a rate or throws <see cref="FormatException"/>.</summary>
    public static FrameRate Parse(string text) =>
        TryParse(text, out var rate) ? rate : throw new FormatException($"'{text}' is not a frame rate");

    private static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    private static int Gcd(int a, int b) => (int)Gcd((long)a, b);
}
