using System.Text.Json;
using InterPositive.Sync.Contract;

namespace InterPositive.Sync.Post;

/// <summary>A shot as the post house holds it: the latest record received for (appliance, clip).</summary>
public sealed record PostShot(
    string Production,
    string Unit,
    string Appliance,
    string ClipId,
    long Sequence,
    string MessageId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ReceivedAt,
    JsonElement Shot);

/// <summary>What <c>post list --json</c> prints: the shots, and the quarantine (counts by reason and the latest entries).</summary>
public sealed record PostShotList(IReadOnlyList<PostShot> Shots, IReadOnlyList<RejectCount> Quarantine, IReadOnlyList<QuarantinedMessage> Quarantined);

/// <summary>
/// A message the receiver refused and set aside: why, where it came from, and its payload as received (UTF-8; null when
/// over the size limit), so it can be looked at or replayed once the sender or the contract is fixed.
/// </summary>
public sealed record QuarantinedMessage(string Reason, string Topic, string Detail, DateTimeOffset At, string? Payload);

/// <summary>Sequences received from one appliance, and the gaps between them (ranges, first to last, inclusive).</summary>
public sealed record ApplianceSequences(string Appliance, long Received, long Highest, long Missing, IReadOnlyList<SequenceGap> Gaps);

public sealed record SequenceGap(long First, long Last);

/// <summary>Why a message was refused, and how many.</summary>
public sealed record RejectCount(string Reason, long Count);

/// <summary>The receiver's state: for <c>post --json</c>, status pages and tests.</summary>
public sealed record PostReport(
    long Shots,
    long Cards,
    long Messages,
    long Stored,
    long Duplicates,
    IReadOnlyList<RejectCount> Rejected,
    IReadOnlyList<ApplianceSequences> Appliances,
    IReadOnlyList<string> Exported)
{
    /// <summary>Shots the last export had to leave out, each named with why.</summary>
    public IReadOnlyList<SkippedShot> ExportSkipped { get; init; } = [];
}

/// <summary>Reasons a post receiver quarantines a message.</summary>
public static class RejectReason
{
    /// <summary>Not JSON, or not valid against the contract's schemas (envelope or body).</summary>
    public const string Malformed = "malformed";
    public const string UnknownVersion = "unknown-version";
    public const string Corrupted = "corrupted";
    public const string Oversize = "oversize";
    public const string Foreign = "foreign-production";
}

/// <summary>
/// A post-house store. Both stores are idempotent: storing a message whose messageId, or whose (appliance, sequence),
/// is already held changes nothing and reports it as a duplicate, so at-least-once delivery becomes exactly once.
/// </summary>
public interface IPostStore : IAsyncDisposable
{
    /// <summary>Stores a batch in one transaction; returns, per message, true when it was new.</summary>
    Task<IReadOnlyList<bool>> StoreAsync(IReadOnlyList<MessageEnvelope> batch, DateTimeOffset receivedAt, CancellationToken cancellationToken);

    /// <summary>Sets a refused message aside in the quarantine table (reason, topic, one-line detail, payload).</summary>
    Task QuarantineAsync(QuarantinedMessage message, CancellationToken cancellationToken);

    /// <summary>The latest quarantined messages, newest first, without their payloads.</summary>
    Task<IReadOnlyList<QuarantinedMessage>> QuarantinedAsync(int limit, CancellationToken cancellationToken);

    Task<IReadOnlyList<PostShot>> ShotsAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<ApplianceSequences>> SequencesAsync(CancellationToken cancellationToken);

    /// <summary>Quarantined messages, counted by reason.</summary>
    Task<IReadOnlyList<RejectCount>> RejectsAsync(CancellationToken cancellationToken);

    Task<(long Shots, long Cards, long Messages)> CountsAsync(CancellationToken cancellationToken);
}

/// <summary>Opens a store from its name: <c>postgresql://…</c> (or <c>postgres://…</c>) for PostgreSQL, else a LiteDB file.</summary>
public static class PostStores
{
    public static async Task<IPostStore> OpenAsync(string store, CancellationToken cancellationToken)
    {
        if (store.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || store.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
        {
            return await PostgresPostStore.OpenAsync(store, cancellationToken);
        }

        return LiteDbPostStore.Open(store);
    }

    /// <summary>Quarantined payloads are kept up to this many characters (the receiver's default payload limit).</summary>
    public const int MaxQuarantinedPayloadChars = Envelope.DefaultMaxPayloadBytes;

    /// <summary>Topic and detail cut to the quarantine table's sizes.</summary>
    public static QuarantinedMessage Bounded(QuarantinedMessage message) => message with
    {
        Topic = message.Topic.Length > 512 ? message.Topic[..512] : message.Topic,
        Detail = message.Detail.Length > 1024 ? message.Detail[..1024] : message.Detail,
        Payload = message.Payload is { Length: > MaxQuarantinedPayloadChars } p ? p[..MaxQuarantinedPayloadChars] : message.Payload,
    };

    /// <summary>Gaps in an ascending run of sequences, starting from 1.</summary>
    public static ApplianceSequences Gaps(string appliance, IEnumerable<long> ascending, int maxGaps = 100)
    {
        var gaps = new List<SequenceGap>();
        long expected = 1;
        long received = 0;
        long missing = 0;
        long highest = 0;
        foreach (var sequence in ascending)
        {
            received++;
            if (sequence > expected)
            {
                missing += sequence - expected;
                if (gaps.Count < maxGaps)
                {
                    gaps.Add(new SequenceGap(expected, sequence - 1));
                }
            }

            expected = sequence + 1;
            highest = sequence;
        }

        return new ApplianceSequences(appliance, received, highest, missing, gaps);
    }
}
