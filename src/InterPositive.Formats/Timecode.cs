namespace InterPositive.Formats;

/// <summary>
/// SMPTE ST 12-1 time-of-day timecode: a frame label within a 24-hour day at a <see cref="FrameRate"/>.
/// Stored as the frame count since midnight, so arithmetic is exact and wraps at midnight; drop-frame labels
/// (29.97/59.94 DF, written with <c>;</c> before the frames) are converted with the standard 10-minute rule.
/// </summary>
public readonly struct Timecode : IEquatable<Timecode>, IComparable<Timecode>
{
    private Timecode(long frames, FrameRate rate)
    {
        FrameCount = frames;
        Rate = rate;
    }

    /// <summary>Frames since 00:00:00:00 (0 ≤ value &lt; <see cref="FrameRate.FramesPerDay"/>).</summary>
    public long FrameCount { get; }

    public FrameRate Rate { get; }

    public int Hours => Split().Hours;

    public int Minutes => Split().Minutes;

    public int Seconds => Split().Seconds;

    public int Frames => Split().Frames;

    /// <summary>The label for a frame count; counts outside one day wrap around midnight (negative counts too).</summary>
    public static Timecode FromFrames(long frames, FrameRate rate)
    {
        var perDay = rate.FramesPerDay;
        var wrapped = frames % perDay;
        if (wrapped < 0)
        {
            wrapped += perDay;
        }

        return new Timecode(wrapped, rate);
    }

    /// <summary>The timecode for a label; throws when the label does not exist at this rate (e.g. 00:01:00;00 at 29.97 DF).</summary>
    public static Timecode FromComponents(int hours, int minutes, int seconds, int frames, FrameRate rate) =>
        TryFromComponents(hours, minutes, seconds, frames, rate, out var tc, out var why)
            ? tc
            : throw new ArgumentOutOfRangeException(nameof(frames), why);

    public static bool TryFromComponents(int hours, int minutes, int seconds, int frames, FrameRate rate, out Timecode timecode) =>
        TryFromComponents(hours, minutes, seconds, frames, rate, out timecode, out _);

    private static bool TryFromComponents(int hours, int minutes, int seconds, int frames, FrameRate rate, out Timecode timecode, out string why)
    {
        timecode = default;
        if (hours is < 0 or > 23 || minutes is < 0 or > 59 || seconds is < 0 or > 59 || frames < 0 || frames >= rate.Nominal)
        {
            why = FormattableString.Invariant($"{hours:00}:{minutes:00}:{seconds:00}:{frames:00} is out of range at {rate}");
            return false;
        }

        var drop = rate.DroppedPerMinute;
        if (drop > 0 && seconds == 0 && minutes % 10 != 0 && frames < drop)
        {
            why = FormattableString.Invariant($"{hours:00}:{minutes:00}:{seconds:00};{frames:00} does not exist in drop-frame timecode at {rate.ToDecimalString()}");
            return false;
        }

        var totalMinutes = (60L * hours) + minutes;
        var count = ((3600L * hours) + (60L * minutes) + seconds) * rate.Nominal + frames - (drop * (totalMinutes - (totalMinutes / 10)));
        timecode = new Timecode(count, rate);
        why = "";
        return true;
    }

    /// <summary>Parses <c>HH:MM:SS:FF</c>, <c>HH:MM:SS;FF</c> (or <c>.</c>/<c>,</c> before the frames as some tools write).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, FrameRate rate, out Timecode timecode)
    {
        timecode = default;
        text = text.Trim();
        if (text.Length != 11)
        {
            return false;
        }

        if (text[2] != ':' || text[5] != ':' || text[8] is not (':' or ';' or '.' or ','))
        {
            return false;
        }

        if (!TwoDigits(text[0..2], out var h) || !TwoDigits(text[3..5], out var m) || !TwoDigits(text[6..8], out var s) || !TwoDigits(text[9..11], out var f))
        {
            return false;
        }

        return TryFromComponents(h, m, s, f, rate, out timecode);
    }

    /// <summary>Parses a label or throws <see cref="FormatException"/>.</summary>
    public static Timecode Parse(string text, FrameRate rate) =>
        TryParse(text, rate, out var tc) ? tc : throw new FormatException($"'{text}' is not a valid timecode at {rate}");

    /// <summary>The label: <c>HH:MM:SS:FF</c>, or <c>HH:MM:SS;FF</c> for drop frame.</summary>
    public override string ToString()
    {
        var (h, m, s, f) = Split();
        var separator = Rate.DropFrame ? ';' : ':';
        Span<char> buffer = stackalloc char[11];
        Write(buffer[0..2], h);
        buffer[2] = ':';
        Write(buffer[3..5], m);
        buffer[5] = ':';
        Write(buffer[6..8], s);
        buffer[8] = separator;
        Write(buffer[9..11], f);
        return new string(buffer);
    }

    /// <summary>The label <paramref name="frames"/> later (earlier when negative), wrapping at midnight.</summary>
    public Timecode AddFrames(long frames) => FromFrames(FrameCount + frames, Rate);

    /// <summary>Frames from <paramref name="earlier"/> forward to this label, across midnight when this one is earlier in the day.</summary>
    public long FramesSince(Timecode earlier)
    {
        RequireSameRate(earlier);
        var diff = FrameCount - earlier.FrameCount;
        return diff < 0 ? diff + Rate.FramesPerDay : diff;
    }

    public static Timecode operator +(Timecode timecode, long frames) => timecode.AddFrames(frames);

    public static Timecode operator -(Timecode timecode, long frames) => timecode.AddFrames(-frames);

    /// <summary>Forward distance in frames (wrapping at midnight), see <see cref="FramesSince"/>.</summary>
    public static long operator -(Timecode later, Timecode earlier) => later.FramesSince(earlier);

    public static bool operator ==(Timecode left, Timecode right) => left.Equals(right);

    public static bool operator !=(Timecode left, Timecode right) => !left.Equals(right);

    public static bool operator <(Timecode left, Timecode right) => left.CompareTo(right) < 0;

    public static bool operator >(Timecode left, Timecode right) => left.CompareTo(right) > 0;

    public static bool operator <=(Timecode left, Timecode right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Timecode left, Timecode right) => left.CompareTo(right) >= 0;

    public bool Equals(Timecode other) => FrameCount == other.FrameCount && Rate == other.Rate;

    public override bool Equals(object? obj) => obj is Timecode other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(FrameCount, Rate);

    public int CompareTo(Timecode other)
    {
        RequireSameRate(other);
        return FrameCount.CompareTo(other.FrameCount);
    }

    private void RequireSameRate(Timecode other)
    {
        if (other.Rate != Rate)
        {
            throw new InvalidOperationException($"timecodes at {Rate} and {other.Rate} cannot be compared frame for frame");
        }
    }

    private (int Hours, int Minutes, int Seconds, int Frames) Split()
    {
        if (Rate.Nominal == 0)
        {
            return (0, 0, 0, 0);
        }

        var n = FrameCount;
        var drop = Rate.DroppedPerMinute;
        if (drop > 0)
        {
            // Re-insert the skipped labels: 9 minutes of drops per 10-minute block, plus the minutes into this block.
            var tens = n / Rate.FramesPer10Minutes;
            var rest = n % Rate.FramesPer10Minutes;
            n += 9L * drop * tens;
            if (rest >= drop)
            {
                n += drop * ((rest - drop) / Rate.FramesPerDropMinute);
            }
        }

        var nominal = Rate.Nominal;
        var frames = (int)(n % nominal);
        var totalSeconds = n / nominal;
        return ((int)(totalSeconds / 3600 % 24), (int)(totalSeconds / 60 % 60), (int)(totalSeconds % 60), frames);
    }

    private static bool TwoDigits(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        if (digits.Length != 2 || !char.IsAsciiDigit(digits[0]) || !char.IsAsciiDigit(digits[1]))
        {
            return false;
        }

        value = ((digits[0] - '0') * 10) + (digits[1] - '0');
        return true;
    }

    private static void Write(Span<char> destination, int value)
    {
        destination[0] = (char)('0' + (value / 10 % 10));
        destination[1] = (char)('0' + (value % 10));
    }
}
