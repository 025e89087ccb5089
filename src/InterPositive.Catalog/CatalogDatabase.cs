using System.Collections.Concurrent;
using LiteDB;

namespace InterPositive.Catalog;

/// <summary>
/// The appliance's catalog: one LiteDB file, opened once per process (two instances on one file in direct
/// mode silently lose writes). Every state change runs through <see cref="Write{T}"/>, one LiteDB transaction,
/// so the change and the outbox message that tells post about it commit together or not at all.
/// </summary>
public sealed class CatalogDatabase : IDisposable
{
    private static readonly ConcurrentDictionary<string, byte> OpenFiles = new(StringComparer.Ordinal);

    private readonly LiteDatabase _database;
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private bool _disposed;

    private CatalogDatabase(string path, TimeProvider time)
    {
        Path = path;
        _time = time;
        _database = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct }, CreateMapper());
        Outbox = new Outbox(this);
        Outbox.EnsureIndexes(_database);
    }

    /// <summary>Full path of the catalog file.</summary>
    public string Path { get; }

    /// <summary>The transactional outbox that carries state changes to post.</summary>
    public Outbox Outbox { get; }

    /// <summary>The clock used to stamp changes.</summary>
    public TimeProvider Time => _time;

    /// <summary>Opens (creating if needed) the catalog file. Throws if this process already has it open.</summary>
    public static CatalogDatabase Open(string path, TimeProvider time)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!OpenFiles.TryAdd(full, 0))
        {
            throw new InvalidOperationException($"{full}: the catalog is already open in this process; share the one instance");
        }

        try
        {
            var folder = System.IO.Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            return new CatalogDatabase(full, time);
        }
        catch
        {
            OpenFiles.TryRemove(full, out _);
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction and commits it; any exception rolls back everything it wrote,
    /// the outbox entries included. Synchronous on purpose: LiteDB transactions belong to the calling thread.
    /// </summary>
    public T Write<T>(Func<CatalogTransaction, T> work)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_database.BeginTrans())
            {
                throw new InvalidOperationException("a catalog transaction is already open on this thread");
            }

            try
            {
                var transaction = new CatalogTransaction(_database, Outbox, _time.GetUtcNow());
                var result = work(transaction);
                _database.Commit();
                if (transaction.AppendedToOutbox)
                {
                    Outbox.RaiseAppended();
                }

                return result;
            }
            catch
            {
                _database.Rollback();
                throw;
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> in one transaction.</summary>
    public void Write(Action<CatalogTransaction> work) => Write(tx =>
    {
        work(tx);
        return true;
    });

    /// <summary>Reads under the same lock as writes, so a read never sees half a transaction.</summary>
    public T Read<T>(Func<ILiteDatabase, T> query)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return query(_database);
        }
    }

    /// <summary>Forces the log into the data file (used before a clean shutdown and in tests).</summary>
    public void Checkpoint()
    {
        lock (_gate)
        {
            _database.Checkpoint();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _database.Dispose();
            OpenFiles.TryRemove(Path, out _);
        }
    }

    private static BsonMapper CreateMapper()
    {
        var mapper = new BsonMapper { EnumAsInteger = false, SerializeNullValues = false, TrimWhitespace = false, EmptyStringToNull = false };
        mapper.RegisterType(
            serialize: value => new BsonValue(value.ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
            deserialize: bson => DateTimeOffset.Parse(bson.AsString, System.Globalization.CultureInfo.InvariantCulture));
        return mapper;
    }
}

/// <summary>What a write sees: the database inside the open transaction, the outbox, and the time of the change.</summary>
public sealed class CatalogTransaction
{
    private readonly Outbox _outbox;

    internal CatalogTransaction(ILiteDatabase database, Outbox outbox, DateTimeOffset now)
    {
        Database = database;
        _outbox = outbox;
        Now = now;
    }

    public ILiteDatabase Database { get; }

    /// <summary>When this change happened (one time for everything in the transaction).</summary>
    public DateTimeOffset Now { get; }

    internal bool AppendedToOutbox { get; private set; }

    /// <summary>Appends a message to the outbox in this transaction and returns it with its sequence number.</summary>
    public OutboxEntry Enqueue(OutboxMessage message)
    {
        AppendedToOutbox = true;
        return _outbox.Append(Database, message, Now);
    }
}
