using System.Globalization;
using System.Text.Json;
using InterPositive.Sync.Contract;
using LiteDB;

namespace InterPositive.Sync.Post;

/// <summary>
/// The embedded post store: one LiteDB file. Messages are kept by messageId (with a second unique key on appliance and
/// sequence); shots and cards keep, per appliance and id, the record with the highest sequence.
/// </summary>
public sealed class LiteDbPostStore : IPostStore
{
    private const string Messages = "post_messages";
    private const string Sequences = "post_sequences";
    private const string Shots = "post_shots";
    private const string Cards = "post_cards";
    private const string Rejects = "post_quarantine";

    private readonly LiteDatabase _database;
    private readonly Lock _gate = new();

    private LiteDbPostStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var mapper = new BsonMapper { SerializeNullValues = false, TrimWhitespace = false, EmptyStringToNull = false };
        mapper.RegisterType(
            serialize: value => new BsonValue(value.ToString("O", CultureInfo.InvariantCulture)),
            deserialize: bson => DateTimeOffset.Parse(bson.AsString, CultureInfo.InvariantCulture));
        _database = new LiteDatabase(new ConnectionString { Filename = Path, Connection = ConnectionType.Direct }, mapper);
        _database.GetCollection<RejectDocument>(Rejects).EnsureIndex(r => r.Reason);
    }

    public string Path { get; }

    public static LiteDbPostStore Open(string path) => new(path);

    public Task<IReadOnlyList<bool>> StoreAsync(IReadOnlyList<MessageEnvelope> batch, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            // LiteDB transactions belong to the calling thread: begin, write and commit without awaiting in between.
            _database.BeginTrans();
            try
            {
                var messages = _database.GetCollection<MessageDocument>(Messages);
                var sequences = _database.GetCollection<SequenceDocument>(Sequences);
                var shots = _database.GetCollection<RecordDocument>(Shots);
                var cards = _database.GetCollection<RecordDocument>(Cards);
                var results = new bool[batch.Count];
                for (var i = 0; i < batch.Count; i++)
                {
                    var envelope = batch[i];
                    var appliance = ApplianceKey(envelope);
                    var sequenceKey = SequenceKey(appliance, envelope.Sequence);
                    if (messages.FindById(envelope.MessageId) is not null || sequences.FindById(sequenceKey) is not null)
                    {
                        continue;
                    }

                    var body = Envelope.BodyText(envelope);
                    messages.Insert(new MessageDocument
                    {
                        Id = envelope.MessageId,
                        Appliance = appliance,
                        Sequence = envelope.Sequence,
                        Kind = envelope.Kind,
                        Key = envelope.Key,
                        Sha256 = envelope.Sha256,
                        CreatedAt = envelope.CreatedAt,
                        SentAt = envelope.SentAt,
                        ReceivedAt = receivedAt,
                        Body = body,
                    });
                    sequences.Insert(new SequenceDocument { Id = sequenceKey });
                    var records = envelope.Kind switch
                    {
                        "shots" => shots,
                        "cards" => cards,
                        _ => null,
                    };
                    if (records is not null)
                    {
                        var id = appliance + "|" + envelope.Key;
                        var current = records.FindById(id);
                        if (current is null || current.Sequence < envelope.Sequence)
                        {
                            records.Upsert(new RecordDocument
                            {
                                Id = id,
                                Production = envelope.Production,
                                Unit = envelope.Unit,
                                Appliance = envelope.Appliance,
                                Key = envelope.Key,
                                Sequence = envelope.Sequence,
                                MessageId = envelope.MessageId,
                                CreatedAt = envelope.CreatedAt,
                                ReceivedAt = receivedAt,
                                Body = body,
                            });
                        }
                    }

                    results[i] = true;
                }

                _database.Commit();
                return Task.FromResult<IReadOnlyList<bool>>(results);
            }
            catch
            {
                _database.Rollback();
                throw;
            }
        }
    }

    public Task QuarantineAsync(QuarantinedMessage message, CancellationToken cancellationToken)
    {
        var bounded = PostStores.Bounded(message);
        lock (_gate)
        {
            _database.GetCollection<RejectDocument>(Rejects).Insert(new RejectDocument
            {
                Reason = bounded.Reason,
                Topic = bounded.Topic,
                Detail = bounded.Detail,
                At = bounded.At,
                Payload = bounded.Payload,
            });
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<QuarantinedMessage>> QuarantinedAsync(int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var latest = _database.GetCollection<RejectDocument>(Rejects).Query().OrderByDescending(r => r.Id).Limit(limit).ToEnumerable()
                .Select(r => new QuarantinedMessage(r.Reason, r.Topic, r.Detail, r.At, null))
                .ToList();
            return Task.FromResult<IReadOnlyList<QuarantinedMessage>>(latest);
        }
    }

    public Task<IReadOnlyList<PostShot>> ShotsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var shots = _database.GetCollection<RecordDocument>(Shots).FindAll()
                .Select(r => new PostShot(r.Production, r.Unit, r.Appliance, r.Key, r.Sequence, r.MessageId, r.CreatedAt, r.ReceivedAt, Parse(r.Body)))
                .OrderBy(s => s.Production, StringComparer.Ordinal)
                .ThenBy(s => s.Unit, StringComparer.Ordinal)
                .ThenBy(s => s.Appliance, StringComparer.Ordinal)
                .ThenBy(s => s.ClipId, StringComparer.Ordinal)
                .ToList();
            return Task.FromResult<IReadOnlyList<PostShot>>(shots);
        }
    }

    public Task<IReadOnlyList<ApplianceSequences>> SequencesAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // Keys sort as appliance#zero-padded-sequence, so one ordered scan gives every appliance's run.
            var result = _database.GetCollection<SequenceDocument>(Sequences).Query().OrderBy(s => s.Id).ToEnumerable()
                .Select(s => ParseSequenceKey(s.Id))
                .GroupBy(s => s.Appliance, StringComparer.Ordinal)
                .Select(g => PostStores.Gaps(g.Key, g.Select(s => s.Sequence)))
                .ToList();
            return Task.FromResult<IReadOnlyList<ApplianceSequences>>(result);
        }
    }

    public Task<IReadOnlyList<RejectCount>> RejectsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var counts = _database.GetCollection<RejectDocument>(Rejects).FindAll()
                .GroupBy(r => r.Reason, StringComparer.Ordinal)
                .Select(g => new RejectCount(g.Key, g.LongCount()))
                .OrderBy(r => r.Reason, StringComparer.Ordinal)
                .ToList();
            return Task.FromResult<IReadOnlyList<RejectCount>>(counts);
        }
    }

    public Task<(long Shots, long Cards, long Messages)> CountsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult((
                _database.GetCollection<RecordDocument>(Shots).LongCount(),
                _database.GetCollection<RecordDocument>(Cards).LongCount(),
                _database.GetCollection<MessageDocument>(Messages).LongCount()));
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _database.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    internal static string ApplianceKey(MessageEnvelope envelope) => $"{envelope.Production}/{envelope.Unit}/{envelope.Appliance}";

    private static string SequenceKey(string appliance, long sequence) => string.Create(CultureInfo.InvariantCulture, $"{appliance}#{sequence:D19}");

    private static (string Appliance, long Sequence) ParseSequenceKey(string key)
    {
        var hash = key.LastIndexOf('#');
        return (key[..hash], long.Parse(key.AsSpan(hash + 1), NumberStyles.None, CultureInfo.InvariantCulture));
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private sealed class MessageDocument
    {
        [BsonId]
        public string Id { get; set; } = "";

        public string Appliance { get; set; } = "";

        public long Sequence { get; set; }

        public string Kind { get; set; } = "";

        public string Key { get; set; } = "";

        public string Sha256 { get; set; } = "";

        public DateTimeOffset CreatedAt { get; set; }

        public DateTimeOffset SentAt { get; set; }

        public DateTimeOffset ReceivedAt { get; set; }

        public string Body { get; set; } = "";
    }

    private sealed class SequenceDocument
    {
        [BsonId]
        public string Id { get; set; } = "";
    }

    private sealed class RecordDocument
    {
        [BsonId]
        public string Id { get; set; } = "";

        public string Production { get; set; } = "";

        public string Unit { get; set; } = "";

        public string Appliance { get; set; } = "";

        public string Key { get; set; } = "";

        public long Sequence { get; set; }

        public string MessageId { get; set; } = "";

        public DateTimeOffset CreatedAt { get; set; }

        public DateTimeOffset ReceivedAt { get; set; }

        public string Body { get; set; } = "";
    }

    private sealed class RejectDocument
    {
        public ObjectId? Id { get; set; }

        public string Reason { get; set; } = "";

        public string Topic { get; set; } = "";

        public string Detail { get; set; } = "";

        public DateTimeOffset At { get; set; }

        public string? Payload { get; set; }
    }
}
