using System.Buffers.Binary;
using CsCheck;
using InterPositive.Formats.Mxf;
using InterPositive.Formats.QuickTime;
using InterPositive.Formats.Red;
using InterPositive.Formats.Tests.Images;
using InterPositive.Testing.Media;

namespace InterPositive.Formats.Tests;

/// <summary>
/// Length-field fuzzing of the clip containers: every QuickTime atom size, R3D block size and MXF KLV length of a kit
/// file set to 0, 1, max−1, max and (as signed) negative; each must give metadata or a
/// <see cref="MalformedInputException"/> naming the file, never another exception or an allocation of the declared size.
/// The random part runs <c>INTERPOSITIVE_FUZZ_ITERATIONS</c> cases (default 200) per container.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ContainerLengthFuzzTests
{
    private static readonly uint[] Edges = [0, 1, 7, 8, 0x7FFF_FFFE, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF];

    public static TheoryData<string> Containers => ["mov", "mxf", "r3d"];

    [Theory]
    [MemberData(nameof(Containers))]
    public void Every_length_field_at_its_edges_gives_metadata_or_malformed_input(string container)
    {
        var file = Build(container);
        var cases = 0;
        foreach (var at in LengthFields(container, file))
        {
            foreach (var edge in Edges)
            {
                var copy = (byte[])file.Clone();
                if (container == "mxf")
                {
                    // BER length: short form, and long forms of 4 and 8 bytes holding the edge value.
                    copy[at] = (byte)Math.Min(edge, 0x7F);
                    Expect(container, copy);
                    copy = (byte[])file.Clone();
                    copy[at] = 0x84;
                    BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(at + 1), edge);
                    Expect(container, copy);
                    copy = (byte[])file.Clone();
                    copy[at] = 0x88;
                    BinaryPrimitives.WriteUInt64BigEndian(copy.AsSpan(at + 1), edge == 0xFFFF_FFFF ? ulong.MaxValue : edge);
                    Expect(container, copy);
                    cases += 3;
                }
                else
                {
                    BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(at), edge);
                    Expect(container, copy);
                    cases++;
                }
            }
        }

        Assert.True(cases >= 30, $"{cases} cases");
    }

    [Theory]
    [MemberData(nameof(Containers))]
    public void Random_corruption_gives_metadata_or_malformed_input(string container)
    {
        var file = Build(container);
        Gen.Select(Gen.Int[0, file.Length - 1], Gen.Byte.Array[1, 8]).Sample(
            (at, bytes) =>
            {
                var copy = (byte[])file.Clone();
                bytes.AsSpan(0, Math.Min(bytes.Length, copy.Length - at)).CopyTo(copy.AsSpan(at));
                Expect(container, copy);
            },
            iter: ImageBudgetFuzzTests.Iterations);
    }

    private static byte[] Build(string container) => container switch
    {
        "mov" => new MovWriter().Build(),
        "mxf" => new MxfWriter().Build(),
        _ => new R3dWriter().Build(),
    };

    /// <summary>Offsets of the length fields: before each four-letter atom/block type, or after each 16-byte SMPTE UL key.</summary>
    private static IEnumerable<int> LengthFields(string container, byte[] file)
    {
        var found = new List<int>();
        for (var i = 4; i + 4 <= file.Length && found.Count < 400; i++)
        {
            if (container == "mxf")
            {
                if (i + 16 + 9 <= file.Length && file[i] == 0x06 && file[i + 1] == 0x0E && file[i + 2] == 0x2B && file[i + 3] == 0x34)
                {
                    found.Add(i + 16);
                }
            }
            else if (file.AsSpan(i, 4).ToArray().All(b => b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'))
            {
                found.Add(i - 4);
            }
        }

        return found;
    }

    private static void Expect(string container, byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var source = "probe." + container;
        try
        {
            _ = container switch
            {
                "mov" => (object)QuickTimeReader.Read(stream, source),
                "mxf" => MxfReader.Read(stream, source),
                _ => R3dReader.Read(stream, source),
            };
        }
        catch (MalformedInputException error)
        {
            Assert.False(string.IsNullOrEmpty(error.SourceName), error.Message);
        }
    }
}
