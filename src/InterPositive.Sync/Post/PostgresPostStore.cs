using System.Globalization;
using System.Text.Json;
using InterPositive.Sync.Contract;
using Npgsql;
using NpgsqlTypes;

namespace InterPositive.Sync.Post;

/// <summary>
/// The post store for houses that outgrow one machine: PostgreSQL, shared by several receivers on one MQTT 5 shared
/// subscription. Every write is an idempotent upsert keyed on messageId (and unique on appliance and sequence), so
/// receivers that get overlapping or repeated deliveries still hold every shot exactly once between them.
/// </summary>
public sealed class PostgresPostStore : IPostStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS post_messages (
            message_id uuid PRIMARY KEY,
            appliance text NOT NULL,
            sequence bigint NOT NULL,
            kind text NOT NULL,
            key text NOT NULL,
            sha256 text NOT NULL,
            created_at timestamptz NOT NULL,
            sent_at timestamptz NOT NULL,
            received_at timestamptz NOT NULL,
            body text NOT NULL,
            UNIQUE (appliance, sequence));
        CREATE TABLE IF NOT EXISTS post_records (
            kind text NOT NULL,
            appliance text NOT NULL,
            key text NOT NULL,
            production text NOT NULL,
            unit text NOT NULL,
            appliance_name text NOT NULL,
            sequence bigint NOT NULL,
            message_id uuid NOT NULL,
            created_at timestamptz NOT NULL,
            received_at timestamptz NOT NULL,
            body text NOT NULL,
            PRIMARY KEY (kind, appliance, key));
        CREATE TABLE IF NOT EXISTS post_quarantine (
            id bigserial PRIMARY KEY,
            reason text NOT NULL,
            topic text NOT NULL,
            detail text NOT NULL,
            at timestamptz NOT NULL,
            payload text);
        """;

    private const string InsertMessage = """
        INSERT INTO post_messages (message_id, appliance, sequence, kind, key, sha256, created_at, sent_at, received_at, body)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING
        """;

    // Only a newer sequence replaces a record, so a late or repeated copy never overwrites newer state.
    private const string UpsertRecord = """
        INSERT INTO post_records (kind, appliance, key, production, unit, appliance_name, sequence, message_id, created_at, received_at, body)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (kind, appliance, key) DO UPDATE SET
            sequence = EXCLUDED.sequence, message_id = EXCLUDED.message_id, created_at = EXCLUDED.created_at,
            received_at = EXCLUDED.received_at, body = EXCLUDED.body
        WHERE post_records.sequence < EXCLUDED.sequence
        """;

    private readonly NpgsqlDataSource _dataSource;

    private PostgresPostStore(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Connects (URL form <c>postgresql://user:password@host:port/database?sslmode=…</c>) and creates the tables.</summary>
    public static async Task<PostgresPostStore> OpenAsync(string url, CancellationToken cancellationToken)
    {
        var dataSource = NpgsqlDataSource.Create(ConnectionString(url));
        try
        {
            await using (var command = dataSource.CreateCommand(Schema))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            return new PostgresPostStore(dataSource);
        }
        catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Two receivers creating the tables at once: the other one won; the tables are there.
            return new PostgresPostStore(dataSource);
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }
    }

    /// <summary>Turns a PostgreSQL URL into an Npgsql connection string (Npgsql reads only the key=value form).</summary>
    public static string ConnectionString(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("postgresql" or "postgres"))
        {
            throw new FormatException($"store '{Brokers.BrokerEndpoint.Redact(url)}': not a postgresql:// URL");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = uri.AbsolutePath.Trim('/') is { Length: > 0 } database ? Uri.UnescapeDataString(database) : "postgres",
        };
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            switch (name.ToUpperInvariant())
            {
                case "SSLMODE":
                    builder.SslMode = Enum.Parse<SslMode>(value, ignoreCase: true);
                    break;
                case "HOST":
                    // Unix socket folder, as libpq allows.
                    builder.Host = value;
                    break;
                default:
                    builder[name] = value;
                    break;
            }
        }

        return builder.ConnectionString;
    }

    public async Task<IReadOnlyList<bool>> StoreAsync(IReadOnlyList<MessageEnvelope> batch, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        // Deadlocks between receivers upserting the same records in one instant are retried; the writes are idempotent.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StoreOnceAsync(batch, receivedAt, cancellationToken);
            }
            catch (PostgresException error) when (attempt < 5 && error.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
            }
        }
    }

    public async Task QuarantineAsync(QuarantinedMessage message, CancellationToken cancellationToken)
    {
        var bounded = PostStores.Bounded(message);
        await using var command = _dataSource.CreateCommand("INSERT INTO post_quarantine (reason, topic, detail, at, payload) VALUES ($1, $2, $3, $4, $5)");
        command.Parameters.Add(new NpgsqlParameter { Value = bounded.Reason });
        command.Parameters.Add(new NpgsqlParameter { Value = bounded.Topic });
        command.Parameters.Add(new NpgsqlParameter { Value = bounded.Detail });
        command.Parameters.Add(new NpgsqlParameter { Value = bounded.At.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        // PostgreSQL text cannot hold NUL; a payload that has one is kept with it replaced.
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)bounded.Payload?.Replace('\0', '\uFFFD') ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<QuarantinedMessage>> QuarantinedAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT reason, topic, detail, at FROM post_quarantine ORDER BY id DESC LIMIT $1");
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var latest = new List<QuarantinedMessage>();
        while (await reader.ReadAsync(cancellationToken))
        {
            latest.Add(new QuarantinedMessage(reader.GetString(0), reader.GetString(1), reader.GetString(2), new DateTimeOffset(reader.GetDateTime(3), TimeSpan.Zero), null));
        }

        return latest;
    }

    public async Task<IReadOnlyList<PostShot>> ShotsAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT production, unit, appliance_name, key, sequence, message_id, created_at, received_at, body FROM post_records WHERE kind = 'shots' ORDER BY production, unit, appliance_name, key");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var shots = new List<PostShot>();
        while (await reader.ReadAsync(cancellationToken))
        {
            using var body = JsonDocument.Parse(reader.GetString(8));
            shots.Add(new PostShot(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetInt64(4),
                reader.GetGuid(5).ToString("D"),
                new DateTimeOffset(reader.GetDateTime(6), TimeSpan.Zero),
                new DateTimeOffset(reader.GetDateTime(7), TimeSpan.Zero),
                body.RootElement.Clone()));
        }

        return shots;
    }

    public async Task<IReadOnlyList<ApplianceSequences>> SequencesAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT appliance, sequence FROM post_messages ORDER BY appliance, sequence");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<(string Appliance, long Sequence)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return runs.GroupBy(r => r.Appliance, StringComparer.Ordinal).Select(g => PostStores.Gaps(g.Key, g.Select(r => r.Sequence))).ToList();
    }

    public async Task<IReadOnlyList<RejectCount>> RejectsAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT reason, count(*) FROM post_quarantine GROUP BY reason ORDER BY reason");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new List<RejectCount>();
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(new RejectCount(reader.GetString(0), reader.GetInt64(1)));
        }

        return counts;
    }

    public async Task<(long Shots, long Cards, long Messages)> CountsAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT (SELECT count(*) FROM post_records WHERE kind = 'shots'), (SELECT count(*) FROM post_records WHERE kind = 'cards'), (SELECT count(*) FROM post_messages)");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private async Task<IReadOnlyList<bool>> StoreOnceAsync(IReadOnlyList<MessageEnvelope> batch, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var results = new bool[batch.Count];
        // Messages in a fixed order so two receivers lock rows in the same order.
        var order = Enumerable.Range(0, batch.Count).OrderBy(i => batch[i].MessageId, StringComparer.Ordinal).ToArray();
        await using (var inserts = new NpgsqlBatch(connection, transaction))
        {
            foreach (var i in order)
            {
                var e = batch[i];
                var command = new NpgsqlBatchCommand(InsertMessage);
                command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(e.MessageId) });
                command.Parameters.Add(new NpgsqlParameter { Value = LiteDbPostStore.ApplianceKey(e) });
                command.Parameters.Add(new NpgsqlParameter { Value = e.Sequence });
                command.Parameters.Add(new NpgsqlParameter { Value = e.Kind });
                command.Parameters.Add(new NpgsqlParameter { Value = e.Key });
                command.Parameters.Add(new NpgsqlParameter { Value = e.Sha256 });
                command.Parameters.Add(new NpgsqlParameter { Value = e.CreatedAt.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
                command.Parameters.Add(new NpgsqlParameter { Value = e.SentAt.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
                command.Parameters.Add(new NpgsqlParameter { Value = receivedAt.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
                command.Parameters.Add(new NpgsqlParameter { Value = Envelope.BodyText(e) });
                inserts.BatchCommands.Add(command);
            }

            await inserts.ExecuteNonQueryAsync(cancellationToken);
            for (var k = 0; k < order.Length; k++)
            {
                results[order[k]] = inserts.BatchCommands[k].RecordsAffected == 1;
            }
        }

        var records = order.Where(i => results[i] && batch[i].Kind is "shots" or "cards")
            .OrderBy(i => batch[i].Kind, StringComparer.Ordinal)
            .ThenBy(i => LiteDbPostStore.ApplianceKey(batch[i]), StringComparer.Ordinal)
            .ThenBy(i => batch[i].Key, StringComparer.Ordinal)
            .ToList();
        if (records.Count > 0)
        {
            await using var upserts = new NpgsqlBatch(connection, transaction);
            foreach (var i in records)
            {
                var e = batch[i];
                var command = new NpgsqlBatchCommand(UpsertRecord);
                command.Parameters.Add(new NpgsqlParameter { Value = e.Kind });
                command.Parameters.Add(new NpgsqlParameter { Value = LiteDbPostStore.ApplianceKey(e) });
                command.Parameters.Add(new NpgsqlParameter { Value = e.Key });
                command.Parameters.Add(new NpgsqlParameter { Value = e.Production });
                command.Parameters.Add(new NpgsqlParameter { Value = e.Unit });
                command.Parameters.Add(new NpgsqlParameter { Value = e.Appliance });
                command.Parameters.Add(new NpgsqlParameter { Value = e.Sequence });
                command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(e.MessageId) });
                command.Parameters.Add(new NpgsqlParameter { Value = e.CreatedAt.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
                command.Parameters.Add(new NpgsqlParameter { Value = receivedAt.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
                command.Parameters.Add(new NpgsqlParameter { Value = Envelope.BodyText(e) });
                upserts.BatchCommands.Add(command);
            }

            await upserts.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return results;
    }
}
