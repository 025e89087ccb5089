using System.Globalization;
using InterPositive.Catalog;
using InterPositive.Catalog.Shots;
using InterPositive.Formats.Clips;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Contract;
using InterPositive.Sync.Post;
using Serilog;

namespace InterPositive.Sync.Tests;

/// <summary>Catalog content as an offload and the clip, lighting and look stages would leave it.</summary>
internal static class SyncFixtures
{
    public static readonly SyncIdentity Identity = new("feature", "main", "cart-a");

    public static ILogger Log { get; } = new LoggerConfiguration().CreateLogger();

    /// <summary>A verified card with <paramref name="clips"/> clips, their lighting and looks; enqueues card + shots.</summary>
    public static void AddCard(CatalogDatabase catalog, string cardId, int clips, bool enqueue = true) => catalog.Write(tx =>
    {
        var card = new CardDocument
        {
            Id = cardId,
            Name = cardId,
            SourcePath = "/media/" + cardId,
            CameraFamily = "arri",
            Status = CardStatus.Verified,
            FileCount = clips,
            TotalBytes = clips * 1_000_000L,
            Destinations =
            [
                new CardDestination { Path = "/raid/" + cardId, Status = CardStatus.Verified, FilesVerified = clips, BytesVerified = clips * 1_000_000L, MhlManifest = "ascmhl/0001_" + cardId + "_2026-11-25_090000Z.mhl" },
            ],
            CreatedAt = tx.Now,
            UpdatedAt = tx.Now,
        };
        tx.Database.GetCollection<CardDocument>(CatalogCollections.Cards).Upsert(card);
        for (var i = 1; i <= clips; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"{cardId[..4]}C{i:D3}_261125_R1AB");
            var clipId = cardId + "/" + name;
            tx.Database.GetCollection<ClipDocument>(CatalogCollections.Clips).Upsert(new ClipDocument
            {
                Id = clipId,
                CardId = cardId,
                Path = name + ".mxf",
                Reel = cardId[..4],
                Scene = "12A",
                Take = i.ToString(CultureInfo.InvariantCulture),
                Camera = "A",
                ClipJson = Clip(cardId, name, i).ToJson(),
                UpdatedAt = tx.Now,
            });
            tx.Database.GetCollection<LightingDocument>(CatalogCollections.Lighting).Upsert(new LightingDocument
            {
                ClipId = clipId,
                LightingJson = LightingJson,
                AlertsJson = i % 2 == 0 ? """[{"kind":"flicker","message":"flicker at 100 Hz, 12 % deep","referenceClip":null,"delta":100,"threshold":0}]""" : "[]",
                UpdatedAt = tx.Now,
            });
            tx.Database.GetCollection<LookDocument>(CatalogCollections.Looks).Upsert(new LookDocument
            {
                ClipId = clipId,
                CdlJson = """{"id":"look1","slope":[1.1,1.0,0.9],"offset":[0.01,0.0,-0.01],"power":[1.0,1.0,1.0],"saturation":0.9}""",
                Source = "day1.ccc",
                PreviewsJson = PreviewSetJson(clipId),
                UpdatedAt = tx.Now,
            });
        }

        if (enqueue)
        {
            ShotRecords.EnqueueCardAndShots(tx, cardId);
        }
    });

    /// <summary>A lighting record as <c>analyze --json</c> writes it (the fields post reads).</summary>
    public const string LightingJson = """{"version":1,"source":"clip","frames":12,"fps":23.976,"width":4448,"height":3096,"log":"logc3","gamut":"awg3","whiteBalanceK":5600,"exposure":{"averageStops":-0.3,"clippedPct":0.2,"crushedPct":0.1,"histogramStops":[],"falseColour":{}},"light":{"cct":5600,"duv":0.002,"tint":0.5,"confidence":0.9,"x":0.33,"y":0.34},"contrast":{"keyFillStops":1.5,"keyAzimuthDeg":30,"keyElevationDeg":20},"flicker":{"detected":false,"frequencyHz":null,"depthPct":0,"beatHz":null,"banding":false,"safeShutterAngles":[],"spectrum":[]},"sensors":[],"samples":[]}""";

    /// <summary>A clip record as the clip readers write it: ARRI ALEXA Mini LF, ARRIRAW, 23.976 fps, 12 frames.</summary>
    public static ClipRecord Clip(string cardId, string name, int take) => new()
    {
        Path = name + ".mxf",
        Camera = new CameraInfo { Make = "ARRI", Model = "ALEXA Mini LF", Serial = "12345" },
        Reel = cardId[..4],
        Clip = name,
        Scene = "12A",
        Take = take.ToString(CultureInfo.InvariantCulture),
        Timecode = new TimecodeInfo(string.Create(CultureInfo.InvariantCulture, $"01:00:{take % 60:D2}:00"), "23.976", false),
        Fps = 23.976,
        Width = 4448,
        Height = 3096,
        Codec = "ARRIRAW",
        DurationFrames = 12,
        ExposureIndex = 800,
        WhiteBalanceK = 5600,
        Tint = 0,
        ShutterAngle = 172.8,
        Lens = new LensInfo { Model = "Signature Prime 35", FocalLengthMm = 35, TStop = 2.8 },
    };

    /// <summary>A preview set as the relight stage stores it (<c>PreviewSetRecord.ToJson</c>: an object, not the contract's array).</summary>
    public static string PreviewSetJson(string clipId) =>
        "{\"clipId\":\"" + clipId + "\",\"model\":\"interpositive-relight\",\"modelVersion\":\"1.0\",\"madeAt\":\"2026-11-25T09:00:00+00:00\",\"previews\":["
        + "{\"preset\":\"warm\",\"poster\":\"previews/" + clipId.Replace('/', '_') + "/warm_poster_0.jpg\",\"report\":{\"frames\":1,\"provider\":\"CPU\"}},"
        + "{\"preset\":\"key-left\",\"poster\":\"previews/" + clipId.Replace('/', '_') + "/key-left_poster_0.jpg\",\"clip\":\"previews/" + clipId.Replace('/', '_') + "/key-left.mp4\",\"report\":{\"frames\":12,\"provider\":\"CPU\"}}]}";

    /// <summary>Appends <paramref name="count"/> small (valid) offload events (fast, batched in transactions of 5,000).</summary>
    public static void AddEvents(CatalogDatabase catalog, int count, string kind = "offload-finished")
    {
        for (var done = 0; done < count;)
        {
            var n = Math.Min(5000, count - done);
            var start = done;
            catalog.Write(tx =>
            {
                for (var i = 0; i < n; i++)
                {
                    tx.Enqueue(new OutboxMessage("events", kind, string.Create(CultureInfo.InvariantCulture, $$"""{"cardId":"LOAD{{start + i}}","status":"verified"}"""), Retained: false));
                }
            });
            done += n;
        }
    }

    /// <summary>The account <see cref="Identity"/>'s publisher uses: the only one that may publish as cart-a.</summary>
    public static readonly BrokerAccount ApplianceAccount = new("cart-a", "cart-a-secret", [Identity.Production]) { PublishAs = Identity.ApplianceKey, MaxPublishesPerSecond = 0 };

    /// <summary>An embedded broker on a free loopback port: the appliance account, and anonymous readers of <see cref="Identity"/>'s production.</summary>
    public static async Task<EmbeddedBroker> StartEmbeddedAsync(IReadOnlyList<BrokerAccount>? accounts = null, IReadOnlyList<string>? anonymous = null)
    {
        var broker = new EmbeddedBroker(
            new EmbeddedBrokerOptions { Port = 0, Accounts = accounts ?? [ApplianceAccount], AnonymousProductions = anonymous ?? [Identity.Production] },
            Log);
        await broker.StartAsync();
        return broker;
    }

    /// <summary>Waits (polling, bounded) until <paramref name="condition"/> holds; the bound is a safety net, not a timing assertion.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan bound, Func<Task<string>> describe)
    {
        var deadline = Environment.TickCount64 + (long)bound.TotalMilliseconds;
        while (!await condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException(await describe());
            }

            await Task.Delay(50);
        }
    }

    public static Task WaitForMessagesAsync(IPostStore store, long messages, TimeSpan bound) => WaitUntilAsync(
        async () => (await store.CountsAsync(CancellationToken.None)).Messages >= messages,
        bound,
        async () => $"post store holds {(await store.CountsAsync(CancellationToken.None)).Messages} of {messages} messages");
}
