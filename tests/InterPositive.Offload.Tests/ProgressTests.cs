using InterPositive.Formats.AscMhl;
using InterPositive.Testing.Cards;

namespace InterPositive.Offload.Tests;

/// <summary>
/// The progress a DIT watches: its total is the card's bytes once (it was once 3× the card, summing every copy and
/// re-read), and each destination's verify progress is reported apart, against the card's bytes too.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ProgressTests : IDisposable
{
    private readonly OffloadFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task The_total_is_the_cards_bytes_and_each_destinations_verify_is_shown_apart()
    {
        var card = SyntheticCard.Typical(_f.CardRoot(), clips: 2, clipSize: 200_000, smallFiles: 3);
        var cardBytes = Directory.EnumerateFiles(card.Root, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        var reports = new List<OffloadProgress>();
        var progress = new Collect(reports);

        var result = await new OffloadEngine(_f.Fs, _f.Catalog, _f.Time).RunAsync(
            new OffloadRequest(card.Root, [_f.Drive1, _f.Drive2]) { HashFormats = [MhlHashFormat.Xxh64, MhlHashFormat.Md5], HostName = "dit-cart", ChunkSize = 64 * 1024 },
            progress,
            CancellationToken.None);

        Assert.Equal(OffloadFailureKind.None, result.Failure);
        Assert.NotEmpty(reports);
        Assert.All(reports, r => Assert.Equal(cardBytes, r.BytesTotal));
        Assert.All(reports, r => Assert.InRange(r.BytesDone, 0, cardBytes));
        Assert.Equal(cardBytes, reports.Max(r => r.BytesDone));
        var verify = reports.Last(r => r.Verify.Count > 0).Verify;
        Assert.Equal(2, verify.Count);
        Assert.All(verify, v => Assert.Equal(cardBytes, v.BytesTotal));
        Assert.All(reports.SelectMany(r => r.Verify), v => Assert.InRange(v.BytesReRead, 0, cardBytes));
        Assert.All(result.Destinations, d => Assert.Equal(cardBytes, reports.SelectMany(r => r.Verify).Where(v => v.Path == d.Path).Max(v => v.BytesReRead)));
    }

    /// <summary>Collects on the reporting thread (Progress&lt;T&gt; would post to the pool, out of order).</summary>
    private sealed class Collect(List<OffloadProgress> reports) : IProgress<OffloadProgress>
    {
        public void Report(OffloadProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
