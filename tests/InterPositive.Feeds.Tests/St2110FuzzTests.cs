using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using InterPositive.Feeds;
using InterPositive.Feeds.Sources;
using InterPositive.Formats;
using InterPositive.Formats.Sdi;
using InterPositive.Formats.St2110;

namespace InterPositive.Feeds.Tests;

/// <summary>
/// The ST 2110 depacketiser fed hostile datagrams directly (no sockets): every RTP and SRD length, count, line and
/// offset field at its edges, every truncation, random overwrites (<c>INTERPOSITIVE_FUZZ_ITERATIONS</c>, default 200),
/// segments that are not whole pixel groups, a picture declared far larger than any camera's, and an ANC flood on one
/// timestamp. The receive thread must count and carry on: an exception there would end the feed.
/// </summary>
[Trait("Category", "Unit")]
public sealed class St2110FuzzTests
{
    private const int Width = 16, Height = 4;

    private static int Iterations =>
        int.TryParse(Environment.GetEnvironmentVariable("INTERPOSITIVE_FUZZ_ITERATIONS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 200;

    private sealed class Sink : IFrameSink
    {
        public List<(FeedEventKind Kind, string Message)> Events { get; } = [];

        public int Frames { get; private set; }

        public ValueTask OnFrameAsync(VideoFrame frame, CancellationToken cancellationToken)
        {
            Frames++;
            frame.Dispose();
            return ValueTask.CompletedTask;
        }

        public void OnEvent(FeedEventKind kind, string message) => Events.Add((kind, message));
    }

    private static (St2110Source Source, St2110Source.Assembler Assembler, Sink Sink) Receiver()
    {
        var source = new St2110Source(new St2110Options { Address = IPAddress.Loopback, VideoPort = 5004, AncPort = null, Width = Width, Height = Height, Rate = FrameRate.Fps25 }, "st2110-fuzz", TimeProvider.System);
        var sink = new Sink();
        return (source, new St2110Source.Assembler(source, null, sink, CancellationToken.None), sink);
    }

    /// <summary>One datagram: RTP header, extended sequence, one SRD per (line, offset, length), the pixel bytes.</summary>
    private static byte[] Datagram(ushort sequence, uint timestamp, bool marker, params (int Line, int Offset, int Length)[] segments)
    {
        var d = new byte[12 + 2 + (6 * segments.Length) + segments.Sum(s => s.Length)];
        RtpHeader.Write(d, marker, 96, sequence, timestamp, 1);
        for (var i = 0; i < segments.Length; i++)
        {
            var at = 14 + (6 * i);
            BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(at), (ushort)segments[i].Length);
            BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(at + 2), (ushort)segments[i].Line);
            BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(at + 4), (ushort)(segments[i].Offset | (i + 1 < segments.Length ? 0x8000 : 0)));
        }

        d.AsSpan(14 + (6 * segments.Length)).Fill(0x5A);
        return d;
    }

    /// <summary>A whole 16×4 frame in two datagrams of two lines each.</summary>
    private static byte[][] Frame(ushort sequence, uint timestamp) =>
    [
        Datagram(sequence, timestamp, false, (0, 0, 40), (1, 0, 40)),
        Datagram((ushort)(sequence + 1), timestamp, true, (2, 0, 40), (3, 0, 40)),
    ];

    [Fact]
    public void A_segment_that_is_not_whole_pixel_groups_on_the_last_line_is_counted_not_copied_past_the_frame()
    {
        var (source, assembler, sink) = Receiver();
        using (assembler)
        {
            // 44 bytes = 8 pixel groups and 4 stray bytes: 16 pixels fit the line, the 4 bytes do not fit the frame.
            // Before: ArgumentException from the copy, on the receive thread (the feed ended).
            assembler.Datagram(Datagram(1, 3600, true, (Height - 1, 0, 44)));
            Assert.Equal(1, source.Statistics.Malformed);

            foreach (var d in Frame(2, 7200))
            {
                assembler.Datagram(d);
            }

            Assert.Equal(1, source.Statistics.FramesComplete);
            Assert.Equal(1, sink.Frames);
        }
    }

    [Fact]
    public void A_picture_declared_larger_than_8k_is_not_followed()
    {
        var (source, assembler, sink) = Receiver();
        using (assembler)
        {
            // Line 32767 at pixel 32766: followed, the next frame buffer would be 32768 × 32768 pixels (2.7 GB).
            for (var f = 0u; f < 4; f++)
            {
                assembler.Datagram(Datagram((ushort)(10 + f), 3600 * (f + 1), true, (0x7FFF, 0x7FFE, 40)));
            }

            Assert.DoesNotContain(sink.Events, e => e.Kind == FeedEventKind.FormatChanged);
            var refusal = Assert.Single(sink.Events, e => e.Kind == FeedEventKind.Malformed);
            Assert.Contains("32782x32768", refusal.Message, StringComparison.Ordinal);

            // The configured picture still arrives.
            foreach (var d in Frame(20, 3600 * 10))
            {
                assembler.Datagram(d);
            }

            Assert.Equal(1, sink.Frames);
        }
    }

    [Fact]
    public void Srd_and_rtp_fields_at_their_edges_truncations_and_random_bytes_never_escape_the_receive_loop()
    {
        var (source, assembler, _) = Receiver();
        using (assembler)
        {
            var sample = Datagram(100, 9000, true, (1, 0, 20), (1, 8, 20));
            ushort[] edges = [0, 1, 2, 4, 5, 6, 0x7FFE, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF];
            var cases = 0;
            foreach (var at in new[] { 12, 14, 16, 18, 20, 22, 24 })
            {
                foreach (var edge in edges)
                {
                    var copy = (byte[])sample.Clone();
                    BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(at), edge);
                    assembler.Datagram(copy);
                    cases++;
                }
            }

            foreach (var edge in new byte[] { 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xAF, 0xBF, 0xFF, 0x00 })
            {
                var copy = (byte[])sample.Clone();
                copy[0] = edge;
                assembler.Datagram(copy);
                copy[^1] = 0xFF;
                assembler.Datagram(copy);
                cases += 2;
            }

            for (var n = 0; n < sample.Length; n++)
            {
                assembler.Datagram(sample.AsSpan(0, n));
                cases++;
            }

            var random = new Random(14);
            for (var i = 0; i < Iterations; i++)
            {
                var copy = (byte[])sample.Clone();
                var at = random.Next(copy.Length);
                var bytes = new byte[random.Next(1, 9)];
                random.NextBytes(bytes);
                bytes.AsSpan(0, Math.Min(bytes.Length, copy.Length - at)).CopyTo(copy.AsSpan(at));
                assembler.Datagram(copy);
                cases++;
            }

            Assert.True(source.Statistics.Malformed > 0);
            Assert.True(cases > 100, cases.ToString(CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void An_anc_flood_on_one_timestamp_keeps_at_most_the_cap_and_counts_the_rest()
    {
        var (source, assembler, _) = Receiver();
        using (assembler)
        {
            var atc = AncWord.Encode(AtcTimecode.Did, AtcTimecode.Sdid, new AtcTimecode(10, 0, 0, 0, false, false, false, 0, AtcPayloadType.Ltc).EncodeUserData());
            var d = new byte[1500];
            var n = RtpHeader.Write(d, true, 100, 1, 1234, 1);
            n += Rfc8331.Write(d.AsSpan(n), 0, Enumerable.Repeat((9, atc), 20).ToList());

            // Before: every packet kept until a video frame with that timestamp came (never, for a flood).
            for (var i = 0; i < 1000; i++)
            {
                source.AcceptAnc(d.AsSpan(0, n));
            }

            Assert.Equal(St2110Source.MaxAncPacketsPerFrame, source.HeldAncPackets(1234));

            // Cut and overwritten ANC datagrams are counted, never thrown.
            for (var cut = 0; cut < n; cut++)
            {
                source.AcceptAnc(d.AsSpan(0, cut));
            }

            var random = new Random(40);
            for (var i = 0; i < Iterations; i++)
            {
                var copy = d[..n];
                random.NextBytes(copy.AsSpan(random.Next(n), 1));
                source.AcceptAnc(copy);
            }
        }
    }
}
