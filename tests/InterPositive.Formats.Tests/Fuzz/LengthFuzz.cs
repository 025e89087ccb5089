using CsCheck;
using System.Buffers.Binary;
using InterPositive.Formats.Tests.Images;

namespace InterPositive.Formats.Tests.Fuzz;

/// <summary>
/// The length-field fuzzing harness shared by the parser fuzz tests: edge values for each field width, a field
/// overwritten in a copy, every truncation of a sample, random overwrites. A parser's answer must be a result or a
/// <see cref="MalformedInputException"/> naming the source; anything else (IndexOutOfRange, Overflow, OutOfMemory,
/// ArgumentOutOfRange) fails the case with the mutation that caused it.
/// </summary>
internal static class LengthFuzz
{
    public const string Source = "probe.bin";

    /// <summary>Random cases per parser: <c>INTERPOSITIVE_FUZZ_ITERATIONS</c>, default 200 (a few seconds in all).</summary>
    public static int Iterations => ImageBudgetFuzzTests.Iterations;

    /// <summary>0, 1, max−1, max for a byte; with the top bit (negative as signed) and its neighbours.</summary>
    public static readonly byte[] U8 = [0, 1, 0x7E, 0x7F, 0x80, 0xFE, 0xFF];

    public static readonly ushort[] U16 = [0, 1, 2, 0x7FFE, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF];

    public static readonly uint[] U32 = [0, 1, 2, 0x7FFF_FFFE, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF];

    public static readonly ulong[] U64 = [0, 1, 8, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFE, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, ulong.MaxValue];

    /// <summary>Runs <paramref name="parse"/> and accepts only success or malformed input naming <paramref name="source"/>.</summary>
    public static void Expect(Action parse, string what, string source = Source)
    {
        try
        {
            parse();
        }
        catch (MalformedInputException error)
        {
            Assert.True(error.SourceName == source, $"{what}: the error does not name the source: {error.Message}");
            Assert.DoesNotContain('\n', error.Message);
        }
        catch (Exception error)
        {
            Assert.Fail($"{what}: {error.GetType().Name} instead of malformed input: {error.Message}");
        }
    }

    /// <summary>A copy with <paramref name="width"/> bytes at <paramref name="at"/> set to <paramref name="value"/>.</summary>
    public static byte[] With(byte[] sample, int at, ulong value, int width, bool bigEndian = true)
    {
        var copy = (byte[])sample.Clone();
        var field = copy.AsSpan(at, width);
        switch (width)
        {
            case 1:
                field[0] = (byte)value;
                break;
            case 2 when bigEndian:
                BinaryPrimitives.WriteUInt16BigEndian(field, (ushort)value);
                break;
            case 2:
                BinaryPrimitives.WriteUInt16LittleEndian(field, (ushort)value);
                break;
            case 4 when bigEndian:
                BinaryPrimitives.WriteUInt32BigEndian(field, (uint)value);
                break;
            case 4:
                BinaryPrimitives.WriteUInt32LittleEndian(field, (uint)value);
                break;
            case 8 when bigEndian:
                BinaryPrimitives.WriteUInt64BigEndian(field, value);
                break;
            default:
                BinaryPrimitives.WriteUInt64LittleEndian(field, value);
                break;
        }

        return copy;
    }

    /// <summary>The edge values for a field of <paramref name="width"/> bytes, with the sample's own value ±1.</summary>
    public static IEnumerable<ulong> Edges(int width, ulong current)
    {
        IEnumerable<ulong> edges = width switch
        {
            1 => U8.Select(b => (ulong)b),
            2 => U16.Select(v => (ulong)v),
            4 => U32.Select(v => (ulong)v),
            _ => U64,
        };
        var mask = width == 8 ? ulong.MaxValue : (1UL << (8 * width)) - 1;
        return edges.Concat([(current + 1) & mask, (current - 1) & mask]).Distinct();
    }

    /// <summary>Every length field at every edge; returns the number of cases run.</summary>
    public static int Fields(byte[] sample, IEnumerable<(int At, int Width, string Name)> fields, Action<byte[]> parse, bool bigEndian = true)
    {
        var cases = 0;
        foreach (var (at, width, name) in fields)
        {
            var current = width switch
            {
                1 => sample[at],
                2 => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(sample.AsSpan(at)) : BinaryPrimitives.ReadUInt16LittleEndian(sample.AsSpan(at)),
                4 => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(sample.AsSpan(at)) : BinaryPrimitives.ReadUInt32LittleEndian(sample.AsSpan(at)),
                _ => bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(sample.AsSpan(at)) : BinaryPrimitives.ReadUInt64LittleEndian(sample.AsSpan(at)),
            };
            foreach (var edge in Edges(width, current))
            {
                var copy = With(sample, at, edge, width, bigEndian);
                Expect(() => parse(copy), FormattableString.Invariant($"{name} at {at} = 0x{edge:X}"));
                cases++;
            }
        }

        return cases;
    }

    /// <summary>The sample cut short at every offset.</summary>
    public static int Truncations(byte[] sample, Action<byte[]> parse)
    {
        for (var n = 0; n < sample.Length; n++)
        {
            var cut = sample[..n];
            Expect(() => parse(cut), FormattableString.Invariant($"cut to {n} bytes"));
        }

        return sample.Length;
    }

    /// <summary>Random overwrites of 1–8 bytes anywhere (seeded per run by CsCheck; a failure prints its seed).</summary>
    public static void Random(byte[] sample, Action<byte[]> parse) =>
        Gen.Select(Gen.Int[0, sample.Length - 1], Gen.Byte.Array[1, 8]).Sample(
            (at, bytes) =>
            {
                var copy = (byte[])sample.Clone();
                bytes.AsSpan(0, Math.Min(bytes.Length, copy.Length - at)).CopyTo(copy.AsSpan(at));
                Expect(() => parse(copy), FormattableString.Invariant($"{bytes.Length} random bytes at {at}"));
            },
            iter: Iterations);
}
