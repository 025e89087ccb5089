using LiteDB;

namespace InterPositive.Catalog;

/// <summary>What a state change wants post to know: the kind (shot, card, event), its key, and the JSON body.</summary>
/// <param name="Kind">Topic family: <c>shots</c>, <c>cards</c>, <c>events</c>.</param>
/// <param name="Key">The clip id, card id or event kind the topic ends with.</param>
/// <param name="Body">The message body as JSON (the envelope is added by the publisher).</param>
/// <param name="Retained">Whether the broker keeps it as the topic's latest state.</param>
public sealed record OutboxMessage(string Kind, string Key, string Body, bool Retained);

/// <summary>An outbox row: the message, its gap-free sequence number, its id and when it was written.</summary>
public sealed class OutboxEntry
{
    /// <summary>Gap-free, per catalog (so per appliance), starting at 1.</summary>
    [BsonId(false)]
    public long Sequence { get; set; }

    public string MessageId { get; set; } = "";

    public string Kind { get; set; } = "";

    public string Key { get; set; } = "";

    public string Body { get; set; } = "";

    public bool Retained { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// Append-only outbox with a checkpoint per sink (store-and-forward in the style of IoT Edge's message store):
/// writers append inside their catalog transaction; a publisher reads above its checkpoint in order and advances
/// the checkpoint only on acknowledgement. Nothing is dropped by age.
/// </summary>
public sealed class Outbox
{
    internal const string EntriesCollection = "outbox";
    internal const string StateCollection = "outbox_state";
    private const string SequenceKey = "sequence";

    private readonly CatalogDatabase _catalog;

    internal Outbox(CatalogDatabase catalog) => _catalog = catalog;

    /// <summary>Raised after a transaction that appended to the outbox committed; publishers wait on it.</summary>
    public event EventHandler? Appended;

    /// <summary>Entries above <paramref name="afterSequence"/> in order, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<OutboxEntry> ReadAfter(long afterSequence, int max) => _catalog.Read(db =>
        db.GetCollection<OutboxEntry>(EntriesCollection)
            .Query()
            .Where(e => e.Sequence > afterSequence)
            .OrderBy(e => e.Sequence)
            .Limit(max)
            .ToList());

    /// <summary>The sink's checkpoint: the highest sequence it has had acknowledged (0 when none).</summary>
    public long Checkpoint(string sink) => _catalog.Read(db =>
        db.GetCollection<OutboxCheckpoint>(StateCollection + "_checkpoints").FindById(sink)?.Delivered ?? 0);

    /// <summary>Advances the sink's checkpoint (never backwards).</summary>
    public void Acknowledge(string sink, long sequence) => _catalog.Write(tx =>
    {
        var checkpoints = tx.Database.GetCollection<OutboxCheckpoint>(StateCollection + "_checkpoints");
        var current = checkpoints.FindById(sink);
        if (current is null || current.Delivered < sequence)
        {
            checkpoints.Upsert(new OutboxCheckpoint { Sink = sink, Delivered = sequence, UpdatedAt = tx.Now });
        }
    });

    /// <summary>The newest sequence written (0 when the outbox is empty).</summary>
    public long LastSequence() => _catalog.Read(db =>
        db.GetCollection<SequenceState>(StateCollection).FindById(SequenceKey)?.Last ?? 0);

    /// <summary>How many entries the sink has not had acknowledged, and when the oldest of them was written.</summary>
    public OutboxBacklog Backlog(string sink)
    {
        var delivered = Checkpoint(sink);
        return _catalog.Read(db =>
        {
            var entries = db.GetCollection<OutboxEntry>(EntriesCollection);
            var count = entries.Count(e => e.Sequence > delivered);
            var oldest = count == 0 ? null : entries.Query().Where(e => e.Sequence > delivered).OrderBy(e => e.Sequence).FirstOrDefault();
            return new OutboxBacklog(count, oldest?.CreatedAt);
        });
    }

    // No index on CreatedAt: nothing queries it (the oldest waiting entry is the first above the checkpoint, found through
    // the _id = sequence index), and every append paid for it with many equal keys (one timestamp per transaction).
    // Files made before this drop the index.
    internal void EnsureIndexes(ILiteDatabase db) => db.GetCollection<OutboxEntry>(EntriesCollection).DropIndex(nameof(OutboxEntry.CreatedAt));

    internal OutboxEntry Append(ILiteDatabase db, OutboxMessage message, DateTimeOffset now)
    {
        var state = db.GetCollection<SequenceState>(StateCollection);
        var last = state.FindById(SequenceKey)?.Last ?? 0;
        var entry = new OutboxEntry
        {
            Sequence = last + 1,
            MessageId = Guid.CreateVersion7(now).ToString("D"),
            Kind = message.Kind,
            Key = message.Key,
            Body = message.Body,
            Retained = message.Retained,
            CreatedAt = now,
        };
        db.GetCollection<OutboxEntry>(EntriesCollection).Insert(entry);
        state.Upsert(new SequenceState { Name = SequenceKey, Last = entry.Sequence });
        return entry;
    }

    internal void RaiseAppended() => Appended?.Invoke(this, EventArgs.Empty);

    private sealed class SequenceState
    {
        [BsonId]
        public string Name { get; set; } = "";

        public long Last { get; set; }
    }

    private sealed class OutboxCheckpoint
    {
        [BsonId]
        public string Sink { get; set; } = "";

        public long Delivered { get; set; }

        public DateTimeOffset UpdatedAt { get; set; }
    }
}

/// <summary>What is waiting for a sink.</summary>
public sealed record OutboxBacklog(int Count, DateTimeOffset? Oldest);
