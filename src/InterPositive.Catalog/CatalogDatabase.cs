using System.Collections.Concurrent;
using LiteDB;

namespace InterPositive.Catalog;

/// <summary>
/// The appliance's catalog: one LiteDB file, opened by one process at a time (two instances on one file in direct
/// mode silently lose writes): the process holds <see cref="CatalogLock"/> while it is open, and a second open in the
/// same process is refused too. Every state change runs through <see cref="Write{T}"/>, one LiteDB transaction,
/// so the change and the outbox message that tells post about it commit together or not at all.
/// </summary>
/// <remarks>
/// Durability (LiteDB 5.0.20, read from its source: TransactionService.Commit, DiskWriterQueue, WalIndexService):
/// a commit appends the transaction's pages to the write-ahead log <c>NAME-log.db</c> through an in-process writer
/// thread and returns as soon as they are queued; the last page carries the "confirmed" flag. The writer thread
/// calls fsync only when its queue runs empty. So a commit is atomic (recovery ignores a transaction whose confirmed
/// page is missing) but not durable when it returns: a power cut, or a SIGKILL, in the milliseconds after it can lose
/// the last transactions whole, never half of one (an outbox message already published from the cache in that window
/// then reaches post for a change the catalog forgot). <see cref="Checkpoint"/> (also run by LiteDB every 1000 log pages
/// and on dispose) waits for the queue, copies the log into the data file and fsyncs it: after it returns, what was
/// committed survives a power cut. The log is truncated after that fsync; the truncation itself is not synced, so a
/// cut then replays the same pages again, which is harmless.
/// </remarks>
public sealed class CatalogDatabase : IDisposable
{
    private static readonly ConcurrentDictionary<string, byte> OpenFiles = new(StringComparer.Ordinal);

    private readonly LiteDatabase _database;
    private readonly CatalogLock _lock;
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private bool _disposed;

    private CatalogDatabase(string path, TimeProvider time, CatalogLock held)
    {
        Path = path;
        _time = time;
        _lock = held;
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

    /// <summary>
    /// Opens (creating if needed, 0600 in a 0700 folder) the catalog file and takes its lock. Throws
    /// <see cref="InvalidOperationException"/> if this process already has it open and <see cref="CatalogLockedException"/>
    /// (an <see cref="IOException"/>: exit 4 in the CLI) if another process has. <paramref name="holder"/> says who is
    /// asking, for the message another process gets while this one holds the catalog.
    /// </summary>
    public static CatalogDatabase Open(string path, TimeProvider time, string? holder = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!OpenFiles.TryAdd(full, 0))
        {
            throw new InvalidOperationException($"{full}: the catalog is already open in this process; share the one instance");
        }

        try
        {
            var held = CatalogLock.Acquire(full, holder ?? "another interpositive process");
            try
            {
                // LiteDB creates its files with the process umask (0644): create them private first. The log is
                // deleted on a clean close and made again on the next write, inside the folder that is already 0700.
                CatalogFiles.CreatePrivateFile(full);
                CatalogFiles.CreatePrivateFile(LogPathOf(full));
                return new CatalogDatabase(full, time, held);
            }
            catch
            {
                held.Dispose();
                throw;
            }
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
            _lock.Dispose();
            OpenFiles.TryRemove(Path, out _);
        }
    }

    /// <summary>LiteDB's write-ahead log beside the data file: <c>NAME-log.EXT</c>.</summary>
    private static string LogPathOf(string path) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path) ?? "", System.IO.Path.GetFileNameWithoutExtension(path) + "-log" + System.IO.Path.GetExtension(path));

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
