using CsCheck;
using InterPositive.Sync.Brokers;

namespace InterPositive.Sync.Tests;

[Trait("Category", "Unit")]
public sealed class PacketSizeGuardStreamTests
{
    private const int Limit = 1000;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(Limit - 1)]
    [InlineData(Limit)]
    public void Packets_up_to_the_limit_pass_through_unchanged(int length)
    {
        var wire = Packet(length, 0xAB);
        Assert.Equal(wire, ReadAll(wire, 1, out var refused));
        Assert.Null(refused);
    }

    [Theory]
    [InlineData(Limit + 1)]
    [InlineData(16384)]
    [InlineData(250 * 1024 * 1024)]
    [InlineData(268_435_455)]
    public void A_header_over_the_limit_ends_the_stream_before_its_body(int length)
    {
        var wire = Packet(Limit, 1).Concat(EmbeddedBrokerSecurityTests.PublishHeader(length)).Concat(new byte[64]).ToArray();
        var read = ReadAll(wire, 1, out var refused);

        Assert.Equal(length, refused);
        // The valid packet and the new header's first byte came through; nothing of the refused body did.
        Assert.True(read.Length < Limit + 3 + 5);
    }

    [Fact]
    public void A_fifth_length_byte_is_a_malformed_header()
    {
        var read = ReadAll([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0, 0], 8, out var refused);
        Assert.Equal(-1, refused);
        Assert.True(read.Length <= 4);
    }

    [Fact]
    public void Any_sequence_of_valid_packets_in_any_chunking_passes_intact()
    {
        Gen.Select(Gen.Int[0, Limit].Array[1, 8], Gen.Int[1, 4096]).Sample(
            (lengths, chunk) =>
            {
                var wire = lengths.SelectMany((l, i) => Packet(l, (byte)i)).ToArray();
                return ReadAll(wire, chunk, out var refused).AsSpan().SequenceEqual(wire) && refused is null;
            },
            iter: 200);
    }

    [Fact]
    public void Length_fields_at_the_edges_are_refused_or_passed_never_thrown()
    {
        // Each declared length at 0, 1, limit-1, limit, limit+1 and the MQTT maximum (2^28-1).
        foreach (var declared in (int[])[0, 1, Limit - 1, Limit, Limit + 1, 268_435_455])
        {
            var wire = EmbeddedBrokerSecurityTests.PublishHeader(declared).Concat(new byte[Math.Min(declared, Limit + 10)]).ToArray();
            ReadAll(wire, 7, out var refused);
            Assert.Equal(declared > Limit ? declared : null, refused);
        }
    }

    private static byte[] Packet(int length, byte fill) => [.. EmbeddedBrokerSecurityTests.PublishHeader(length), .. Enumerable.Repeat(fill, length)];

    /// <summary>Reads as MQTTnet does (a packet's bytes at most per read, here also capped at <paramref name="chunk"/>).</summary>
    private static byte[] ReadAll(byte[] wire, int chunk, out long? refused)
    {
        long? declared = null;
        using var guard = new PacketSizeGuardStream(new MemoryStream(wire), Limit, d => declared = d);
        using var output = new MemoryStream();
        var buffer = new byte[chunk];
        int n;
        while ((n = guard.Read(buffer, 0, Math.Min(chunk, NextReadSize(wire, (int)output.Length)))) > 0)
        {
            output.Write(buffer, 0, n);
        }

        refused = declared;
        return output.ToArray();
    }

    /// <summary>How many bytes MQTTnet would ask for at <paramref name="offset"/>: header bytes one by one, then the body.</summary>
    private static int NextReadSize(byte[] wire, int offset)
    {
        var i = 0;
        while (i < wire.Length)
        {
            i++;
            var length = 0;
            var shift = 0;
            while (i < wire.Length)
            {
                var b = wire[i++];
                length |= (b & 0x7F) << shift;
                shift += 7;
                if ((b & 0x80) == 0 || shift >= 35)
                {
                    break;
                }
            }

            if (offset < i)
            {
                return 1;
            }

            if (offset < i + length)
            {
                return i + length - offset;
            }

            i += length;
        }

        return 1;
    }
}
