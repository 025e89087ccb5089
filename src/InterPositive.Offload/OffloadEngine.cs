using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using InterPositive.Catalog;
using InterPositive.Catalog.Shots;
using InterPositive.Formats;
using InterPositive.Formats.AscMhl;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Offload;

/// <summary>A failure that stops an offload before it starts (a missing destination, a destination inside the card).</summary>
public sealed class OffloadException(OffloadFailureKind kind, string message) : Exception(message)
{
    public OffloadFailureKind Kind { get; } = kind;
}

/// <summary>
/// Verified card offload. The source is read once, in pooled chunks, into a bounded channel per consumer: one
/// writer per destination and one hasher per hash format run in parallel. Each copy is written under a temporary
/// name and verified behind the writer, step by step (<see cref="OffloadRequest.VerifyStep"/>): a written step is
/// written out to the drive and waited for (sync_file_range), and only then re-read from the drive (O_DIRECT, or
/// fadvise where O_DIRECT is refused) into the verification hash, so every byte read back had reached the drive before
/// it was read. When the copy is complete: fdatasync (data and size durable), the rest re-read, the hash compared with
/// the card's, the source's modification time set, and only then the rename to the final name. Files are verified several at a time, behind the copy of the next ones, so small files' flushes share
/// journal commits. An ASC MHL generation goes into every verified copy; the catalog records every file per
/// destination, in batches (a verified file whose record was lost to a crash is re-read and matched on resume, never
/// trusted blindly).
/// </summary>
public sealed class OffloadEngine
{
    private readonly IOffloadFileSystem _fs;
    private readonly CatalogDatabase? _catalog;
    private readonly TimeProvider _time;

    public OffloadEngine(IOffloadFileSystem fs, CatalogDatabase? catalog, TimeProvider time)
    {
        _fs = fs;
        _catalog = catalog;
        _time = time;
    }

    public Task<OffloadResult> RunAsync(OffloadRequest request, IProgress<OffloadProgress>? progress, CancellationToken cancellationToken) =>
        new Run(this, request, progress, cancellationToken).ExecuteAsync();

    /// <summary>The card id: its name plus a short hash of its file list (paths and sizes), stable across resumes.</summary>
    public static string CardIdFor(string name, CardScan scan)
    {
        var list = new StringBuilder();
        foreach (var file in scan.MediaFiles.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            list.Append(file.Path).Append('\0').Append(file.Size.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return name + "-" + MhlHasher.HashData(MhlHashFormat.Xxh64, Encoding.UTF8.GetBytes(list.ToString()))[..8];
    }

    internal static OffloadFailureKind Worse(OffloadFailureKind a, OffloadFailureKind b) => Rank(a) >= Rank(b) ? a : b;

    private static int Rank(OffloadFailureKind kind) => kind switch
    {
        OffloadFailureKind.Environment => 3,
        OffloadFailureKind.BadInput => 2,
        OffloadFailureKind.CheckFailed => 1,
        _ => 0,
    };

    private sealed class Destination(string parent, string root)
    {
        public string Parent { get; } = parent;

        public string Root { get; } = root;

        public string? BrokenBy { get; set; }

        public int FilesVerified;
        public long BytesVerified;
        public int FileFailures;
        public string? Mhl { get; set; }

        public ConcurrentDictionary<string, byte> ReReadModes { get; } = new(StringComparer.Ordinal);

        public bool Broken => BrokenBy is not null;

        public string Status => Broken || FileFailures > 0 ? CardStatus.Failed : CardStatus.Verified;
    }

    private enum Plan
    {
        Write,
        CompareExisting,
        Resumed,
        Unavailable,
    }

    private sealed record DestinationWork(Destination Destination, Plan Plan, string FinalPath, string TempPath, IOffloadWriter? Writer)
    {
        /// <summary>Why this copy's writes failed, if they did (the destination is broken from then on).</summary>
        public string? WriteError { get; set; }

        /// <summary>How far the copy is written (posted by its writer at each verify step and at the end); completed when the writer is done.</summary>
        public Channel<long> Written { get; } = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    }

    /// <summary>
    /// A file on its way: handed to the verifiers before its copy starts (they follow the writers), completed with the
    /// card's hashes or the source error when the read of the card ends.
    /// </summary>
    private sealed class PendingFile(CardFile file, List<DestinationWork> work)
    {
        private readonly TaskCompletionSource _copied = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CardFile File { get; } = file;

        public List<DestinationWork> Work { get; } = work;

        public IReadOnlyDictionary<MhlHashFormat, string>? Hashes { get; private set; }

        public string? SourceError { get; private set; }

        public OffloadFailureKind SourceFailure { get; private set; }

        /// <summary>Completes when the card's bytes of this file were read (or failed to be); never faults.</summary>
        public Task Copied => _copied.Task;

        public void Finish(IReadOnlyDictionary<MhlHashFormat, string>? hashes, string? error, OffloadFailureKind failure)
        {
            if (_copied.Task.IsCompleted)
            {
                return;
            }

            Hashes = hashes;
            SourceError = error;
            SourceFailure = failure;
            _copied.TrySetResult();
            foreach (var work in Work)
            {
                work.Written.Writer.TryComplete();
            }
        }
    }

    /// <summary>A pooled buffer shared by the writers and hashers of one read; returned when the last lets go.</summary>
    private sealed class Chunk(ArrayPool<byte> pool, byte[] buffer, int consumers)
    {
        private int _consumers = consumers;

        public byte[] Buffer { get; } = buffer;

        public int Length { get; set; }

        public long Offset { get; set; }

        public ReadOnlyMemory<byte> Data => Buffer.AsMemory(0, Length);

        public void Release()
        {
            if (Interlocked.Decrement(ref _consumers) == 0)
            {
                pool.Return(Buffer);
            }
        }
    }

    private sealed class Run
    {
        private readonly OffloadEngine _engine;
        private readonly OffloadRequest _request;
        private readonly IProgress<OffloadProgress>? _progress;
        private readonly CancellationToken _cancellationToken;
        private readonly IOffloadFileSystem _fs;
        private readonly ArrayPool<byte> _pool;
        private readonly List<OffloadFileResult> _results = [];
        private readonly Dictionary<string, IReadOnlyDictionary<MhlHashFormat, string>> _hashes = new(StringComparer.Ordinal);
        private readonly Dictionary<string, DateTimeOffset> _hashDates = new(StringComparer.Ordinal);
        private readonly Lock _gate = new();
        private readonly StageClock _clock;
        private readonly ConcurrentBag<AlignedBuffer> _aligned = [];
        private readonly List<Catalog.Offload.OffloadFileRecord> _unrecorded = [];
        private long _recordedAt;
        private List<Destination> _destinations = [];
        private IReadOnlyList<MhlHashFormat> _formats = [];
        private MhlHashFormat _verifyFormat;
        private CardScan _scan = null!;
        private MhlHistory? _history;
        private string _cardId = "";
        private string _name = "";
        private string _source = "";
        private string _jobId = "";
        private long _bytesDone;
        private long _bytesReRead;
        private long _bytesRead;
        private int _filesDone;
        private int _filesCopied;
        private int _filesResumed;
        private OffloadFailureKind _failure;
        private string? _firstError;
        private string? _historyCheck;
        private List<string> _historyMissing = [];

        public Run(OffloadEngine engine, OffloadRequest request, IProgress<OffloadProgress>? progress, CancellationToken cancellationToken)
        {
            _engine = engine;
            _request = request;
            _progress = progress;
            _cancellationToken = cancellationToken;
            _fs = engine._fs;
            _pool = ArrayPool<byte>.Create(request.ChunkSize, 64);
            _clock = new StageClock(engine._time);
        }

        public async Task<OffloadResult> ExecuteAsync()
        {
            try
            {
                return await ExecuteCoreAsync();
            }
            finally
            {
                while (_aligned.TryTake(out var buffer))
                {
                    ((IDisposable)buffer).Dispose();
                }
            }
        }

        private async Task<OffloadResult> ExecuteCoreAsync()
        {
            var started = _engine._time.GetTimestamp();
            var prepared = _clock.Start();
            Prepare();
            RecordStart();
            _clock.Stop(OffloadStage.Prepare, prepared);
            EnsureThreads();

            try
            {
                await CopyAndVerifyAsync();

                // A stop that came while the last files verified still stops the run: no history is sealed.
                _cancellationToken.ThrowIfCancellationRequested();
            }
            catch (OperationCanceledException) when (_cancellationToken.IsCancellationRequested)
            {
                RecordInterrupted();
                throw;
            }

            CheckHistoryCompleteness();
            var sealing = _clock.Start();
            FinishDestinations();
            _clock.Stop(OffloadStage.Seal, sealing);
            var seconds = _engine._time.GetElapsedTime(started).TotalSeconds;
            return RecordFinish(seconds);
        }

        private async Task CopyAndVerifyAsync()
        {
            // Bounded: the card is never read far ahead of verification (each file in flight holds a writer per destination).
            var verifications = Channel.CreateBounded<PendingFile>(new BoundedChannelOptions(VerifyParallelism) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
            var verifier = Task.Run(() => VerifyLoopAsync(verifications.Reader), CancellationToken.None);
            try
            {
                foreach (var file in _scan.Files)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    if (_destinations.TrueForAll(d => d.Broken))
                    {
                        break;
                    }

                    var pending = PlanFile(file);
                    try
                    {
                        // The verifiers take the file before its copy starts and follow the writers step by step.
                        await verifications.Writer.WriteAsync(pending, _cancellationToken);
                        await CopyAsync(pending);
                    }
                    finally
                    {
                        pending.Finish(null, $"{Path.Combine(_source, file.Path)}: interrupted before it was copied", OffloadFailureKind.Environment);
                    }
                }
            }
            finally
            {
                verifications.Writer.TryComplete();
                await verifier;
                FlushFileRecords();
            }
        }

        /// <summary>
        /// The file system calls (pread, pwrite, fdatasync) block a pool thread each; on a small box the pool would
        /// otherwise grow one thread at a time while the offload's stages wait on each other. Raised, never lowered.
        /// </summary>
        private void EnsureThreads()
        {
            var needed = Environment.ProcessorCount + (VerifyParallelism * _destinations.Count) + (ReReadDepth * _destinations.Count) + _formats.Count + 4;
            ThreadPool.GetMinThreads(out var workers, out var completion);
            if (workers < needed)
            {
                ThreadPool.SetMinThreads(needed, completion);
            }
        }

        private void Prepare()
        {
            if (_request.Destinations.Count == 0)
            {
                throw new OffloadException(OffloadFailureKind.BadInput, "no destination given (--dest DIR)");
            }

            if (_request.HashFormats.Count == 0)
            {
                throw new OffloadException(OffloadFailureKind.BadInput, "no hash format given");
            }

            _source = Path.TrimEndingDirectorySeparator(Path.GetFullPath(_request.Source));
            _name = _request.Name ?? Path.GetFileName(_source);
            if (string.IsNullOrWhiteSpace(_name) || _name.Contains('/', StringComparison.Ordinal) || _name is "." or "..")
            {
                throw new OffloadException(OffloadFailureKind.BadInput, $"'{_name}' cannot be a card name (a folder name is needed: --name)");
            }

            _scan = CardScan.Scan(_fs, _source);
            var destinations = new List<Destination>();
            foreach (var dir in _request.Destinations)
            {
                var parent = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
                var root = Path.Combine(parent, _name);
                if (root == _source || root.StartsWith(_source + "/", StringComparison.Ordinal) || _source.StartsWith(root + "/", StringComparison.Ordinal))
                {
                    throw new OffloadException(OffloadFailureKind.BadInput, $"{dir}: a destination cannot be inside the card or contain it");
                }

                if (destinations.Exists(d => d.Root == root))
                {
                    throw new OffloadException(OffloadFailureKind.BadInput, $"{dir}: the same destination is given twice");
                }

                if (_fs.Stat(parent) is not { Kind: EntryKind.Directory })
                {
                    throw new OffloadException(OffloadFailureKind.Environment, $"{parent}: destination folder not found (drive not mounted?)");
                }

                destinations.Add(new Destination(parent, root));
            }

            _destinations = destinations;
            _history = HistoryStore.Load(_fs, _source, _scan.HistoryRoots);
            var formats = _request.HashFormats.Distinct().ToList();
            if (_history is not null)
            {
                // The card's own history is verified in the same read: add the formats it recorded.
                foreach (var format in _history.All().SelectMany(h => h.Generations).SelectMany(g => g.Manifest.Files).SelectMany(f => f.Hashes).Select(h => h.Format).Distinct())
                {
                    if (!formats.Contains(format))
                    {
                        formats.Add(format);
                    }
                }

                _historyCheck = CardStatus.Verified;
            }

            _formats = formats;
            _verifyFormat = formats.FirstOrDefault(f => f is MhlHashFormat.Xxh3 or MhlHashFormat.Xxh64 or MhlHashFormat.Xxh128, formats[0]);
            _cardId = CardIdFor(_name, _scan);
            _jobId = Guid.CreateVersion7(_engine._time.GetUtcNow()).ToString("N");

            foreach (var destination in _destinations)
            {
                try
                {
                    _fs.CreateDirectory(destination.Root);
                    foreach (var folder in _scan.Folders.Where(f => f.Path.Length > 0))
                    {
                        _fs.CreateDirectory(Path.Combine(destination.Root, folder.Path));
                    }

                    foreach (var historyRoot in _scan.HistoryRoots)
                    {
                        _fs.CreateDirectory(Path.Combine(destination.Root, historyRoot, MhlNames.FolderName));
                    }
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                {
                    Break(destination, $"{destination.Root}: cannot create the copy's folders: {error.Message}");
                }
            }
        }

        private PendingFile PlanFile(CardFile file)
        {
            var work = new List<DestinationWork>();
            var records = LoadRecords(file);
            foreach (var destination in _destinations)
            {
                var final = Path.Combine(destination.Root, file.Path);
                var temp = TempName(final);
                if (destination.Broken)
                {
                    work.Add(new DestinationWork(destination, Plan.Unavailable, final, temp, null));
                    continue;
                }

                try
                {
                    // A partial copy left by an interrupted run is redone, never trusted.
                    _fs.Delete(temp);
                    var existing = _fs.Stat(final);
                    if (existing is null)
                    {
                        work.Add(new DestinationWork(destination, Plan.Write, final, temp, null));
                    }
                    else if (existing.Kind == EntryKind.File
                        && records.TryGetValue(destination.Root, out var record)
                        && record.Status == CardStatus.Verified && record.Size == file.Size && record.LastModified == file.LastModified
                        && existing.Size == file.Size && existing.LastModified == file.LastModified
                        && _formats.All(f => record.Hashes.ContainsKey(f.ElementName())))
                    {
                        work.Add(new DestinationWork(destination, Plan.Resumed, final, temp, null));
                    }
                    else
                    {
                        work.Add(new DestinationWork(destination, Plan.CompareExisting, final, temp, null));
                    }
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                {
                    Break(destination, $"{final}: {error.Message}");
                    work.Add(new DestinationWork(destination, Plan.Unavailable, final, temp, null));
                }
            }

            var active = work.Where(w => w.Plan is not Plan.Unavailable).ToList();
            if (active.Count > 0 && active.TrueForAll(w => w.Plan == Plan.Resumed))
            {
                // Verified by an earlier run and unchanged on both sides: nothing to read or write.
                var record = records[active[0].Destination.Root];
                var hashes = _formats.ToDictionary(f => f, f => record.Hashes[f.ElementName()]);
                Interlocked.Add(ref _bytesDone, file.Size);
                Interlocked.Add(ref _bytesReRead, file.Size * _destinations.Count);
                Report(file.Path);
                var resumed = new PendingFile(file, work);
                resumed.Finish(hashes, null, OffloadFailureKind.None);
                return resumed;
            }

            for (var i = 0; i < work.Count; i++)
            {
                if (work[i].Plan == Plan.Write)
                {
                    try
                    {
                        work[i] = work[i] with { Writer = _fs.Create(work[i].TempPath) };
                    }
                    catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                    {
                        Break(work[i].Destination, $"{work[i].FinalPath}: cannot write: {error.Message}");
                        work[i] = work[i] with { Plan = Plan.Unavailable };
                    }
                }
            }

            return new PendingFile(file, work);
        }

        private async Task CopyAsync(PendingFile pending)
        {
            if (pending.Copied.IsCompleted)
            {
                return;
            }

            var sourcePath = Path.Combine(_source, pending.File.Path);
            try
            {
                var hashes = await ReadOnceAsync(sourcePath, pending.File, pending.Work);
                pending.Finish(hashes, null, OffloadFailureKind.None);
            }
            catch (OffloadException error)
            {
                pending.Finish(null, error.Message, error.Kind);
            }
        }

        private async Task<IReadOnlyDictionary<MhlHashFormat, string>> ReadOnceAsync(string sourcePath, CardFile file, List<DestinationWork> work)
        {
            var writers = work.Where(w => w.Plan == Plan.Write && w.Writer is not null).ToList();
            var hashers = _formats.Select(f => new MhlHasher(f)).ToList();
            try
            {
                var consumers = writers.Count + hashers.Count;
                var channels = Enumerable.Range(0, consumers)
                    .Select(_ => Channel.CreateBounded<Chunk>(new BoundedChannelOptions(_request.QueueDepth) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true }))
                    .ToList();
                var sinks = new List<Task>(consumers);
                for (var i = 0; i < writers.Count; i++)
                {
                    var target = writers[i];
                    long posted = 0;
                    long written = 0;
                    sinks.Add(SinkAsync(
                        channels[i].Reader,
                        async chunk =>
                        {
                            var started = _clock.Start();
                            await target.Writer!.WriteAsync(chunk.Data, chunk.Offset, _cancellationToken);
                            _clock.Stop(OffloadStage.Write, started, chunk.Length);
                            written = chunk.Offset + chunk.Length;
                            if (written - posted >= _request.VerifyStep)
                            {
                                posted = written;
                                target.Written.Writer.TryWrite(written);
                            }
                        },
                        error =>
                        {
                            target.WriteError = $"{target.FinalPath}: write failed: {error.Message}";
                            Break(target.Destination, target.WriteError);
                        },
                        () => target.Written.Writer.TryComplete()));
                }

                for (var i = 0; i < hashers.Count; i++)
                {
                    var hasher = hashers[i];
                    sinks.Add(SinkAsync(
                        channels[writers.Count + i].Reader,
                        chunk =>
                        {
                            var started = _clock.Start();
                            hasher.Append(chunk.Data.Span);
                            _clock.Stop(OffloadStage.Hash, started, chunk.Length);
                            return ValueTask.CompletedTask;
                        },
                        _ => { },
                        () => { }));
                }

                long offset = 0;
                FsEntry? before;
                try
                {
                    before = _fs.Stat(sourcePath);
                    if (before is not { Kind: EntryKind.File })
                    {
                        throw new OffloadException(OffloadFailureKind.BadInput, $"{sourcePath}: vanished from the card during the offload");
                    }

                    using var reader = _fs.OpenRead(sourcePath);
                    while (true)
                    {
                        var buffer = _pool.Rent(_request.ChunkSize);
                        var chunk = new Chunk(_pool, buffer, consumers);
                        int read;
                        try
                        {
                            var reading = _clock.Start();
                            read = await reader.ReadAsync(buffer.AsMemory(0, _request.ChunkSize), offset, _cancellationToken);
                            _clock.Stop(OffloadStage.SourceRead, reading, read);
                        }
                        catch
                        {
                            _pool.Return(buffer);
                            throw;
                        }

                        if (read == 0)
                        {
                            _pool.Return(buffer);
                            break;
                        }

                        chunk.Length = read;
                        chunk.Offset = offset;
                        offset += read;
                        Interlocked.Add(ref _bytesRead, read);
                        Interlocked.Add(ref _bytesDone, read);
                        var handing = _clock.Start();
                        foreach (var channel in channels)
                        {
                            await channel.Writer.WriteAsync(chunk, _cancellationToken);
                        }

                        _clock.Stop(OffloadStage.HandOff, handing);

                        Report(file.Path);
                    }
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                {
                    throw new OffloadException(OffloadFailureKind.BadInput, $"{sourcePath}: source read error at offset {offset.ToString(CultureInfo.InvariantCulture)}: {error.Message}");
                }
                finally
                {
                    foreach (var channel in channels)
                    {
                        channel.Writer.TryComplete();
                    }

                    await Task.WhenAll(sinks);
                }

                var after = _fs.Stat(sourcePath);
                if (after is null || after.Size != before.Size || after.LastModified != before.LastModified || offset != before.Size)
                {
                    throw new OffloadException(OffloadFailureKind.BadInput, FormattableString.Invariant(
                        $"{sourcePath}: changed during the copy (size {before.Size} → {after?.Size ?? -1}, read {offset} bytes, modified {before.LastModified:O} → {after?.LastModified:O})"));
                }

                return hashers.ToDictionary(h => h.Format, h => h.FinishString());
            }
            finally
            {
                foreach (var hasher in hashers)
                {
                    hasher.Dispose();
                }
            }
        }

        private async Task SinkAsync(ChannelReader<Chunk> reader, Func<Chunk, ValueTask> consume, Action<Exception> onError, Action onEnd)
        {
            var failed = false;
            try
            {
                await foreach (var chunk in reader.ReadAllAsync(CancellationToken.None))
                {
                    try
                    {
                        if (!failed && !_cancellationToken.IsCancellationRequested)
                        {
                            await consume(chunk);
                        }
                    }
                    catch (Exception error)
                    {
                        // Keep draining so the reader never blocks on a dead consumer; the buffers go back to the pool.
                        failed = true;
                        onError(error);
                    }
                    finally
                    {
                        chunk.Release();
                    }
                }
            }
            finally
            {
                onEnd();
            }
        }

        private async Task VerifyLoopAsync(ChannelReader<PendingFile> pending)
        {
            // Several files verify at once: their flushes share journal commits, which is what makes a card of many
            // small files quick; a large clip is flushed and re-read step by step behind its own copy.
            using var slots = new SemaphoreSlim(VerifyParallelism);
            var running = new List<Task>();
            await foreach (var file in pending.ReadAllAsync(CancellationToken.None))
            {
                await slots.WaitAsync(CancellationToken.None);
                running.RemoveAll(t => t.IsCompletedSuccessfully);
                running.Add(Task.Run(
                    async () =>
                    {
                        try
                        {
                            var outcomes = await Task.WhenAll(file.Work.Select(w => VerifyAsync(file, w)));
                            Complete(file, outcomes);
                        }
                        finally
                        {
                            slots.Release();
                        }
                    },
                    CancellationToken.None));
            }

            await Task.WhenAll(running);
        }

        private const int VerifyParallelism = 8;

        /// <summary>The most reads one re-read keeps in flight (<see cref="IVerificationReader.ReadsInFlight"/>), for sizing the thread pool.</summary>
        private const int ReReadDepth = 4;

        private async Task<(DestinationWork Work, string Status, string? Error, OffloadFailureKind Kind)> VerifyAsync(PendingFile file, DestinationWork work)
        {
            var destination = work.Destination;
            MhlHasher? hasher = null;
            IVerificationReader? reader = null;
            try
            {
                long verified = 0;
                if (work.Plan == Plan.Write && work.Writer is not null)
                {
                    // Follow the writer: each step it reports written is written out to the drive and waited for, then
                    // read back from the drive. The fdatasync of the whole copy (data and size) comes before the rename.
                    hasher = new MhlHasher(_verifyFormat);
                    await foreach (var upTo in work.Written.Reader.ReadAllAsync(_cancellationToken))
                    {
                        var step = AlignedBuffer.RoundDown(upTo);
                        if (step <= verified || work.WriteError is not null)
                        {
                            continue;
                        }

                        WriteOut(work.Writer, verified, step);
                        reader ??= OpenReRead(work.TempPath, destination);
                        verified = await ReReadAsync(reader, hasher, verified, step, file.File.Size, work.FinalPath);
                    }
                }

                await file.Copied;

                // A copy written in full before its drive failed on a later file is still verified: the re-read decides.
                if (file.SourceError is not null || file.Hashes is null || work.Plan == Plan.Unavailable || work.WriteError is not null
                    || (destination.Broken && work.Plan != Plan.Write))
                {
                    reader?.Dispose();
                    reader = null;
                    Discard(work);
                    return (work, "failed", work.WriteError ?? file.SourceError ?? destination.BrokenBy ?? "not copied", file.SourceFailure == OffloadFailureKind.None ? OffloadFailureKind.Environment : file.SourceFailure);
                }

                var expected = file.Hashes[_verifyFormat];
                switch (work.Plan)
                {
                    case Plan.Resumed:
                        return (work, "resumed", null, OffloadFailureKind.None);
                    case Plan.CompareExisting:
                        {
                            using var existing = new MhlHasher(_verifyFormat);
                            using (var compare = OpenReRead(work.FinalPath, destination))
                            {
                                await ReReadAsync(compare, existing, 0, long.MaxValue, file.File.Size, work.FinalPath);
                            }

                            var actual = existing.FinishString();
                            return actual == expected
                                ? (work, "matched-existing", null, OffloadFailureKind.None)
                                : (work, "failed", $"{work.FinalPath}: a file of that name is already in the destination with other content ({_verifyFormat.ElementName()} {actual}, card {expected}); left untouched", OffloadFailureKind.CheckFailed);
                        }

                    default:
                        {
                            // The whole copy is durable before its last bytes are read back and long before the rename.
                            Flush(work.Writer!);
                            work.Writer!.Dispose();
                            reader ??= OpenReRead(work.TempPath, destination);
                            await ReReadAsync(reader, hasher!, verified, long.MaxValue, file.File.Size, work.FinalPath);
                            reader.Dispose();
                            reader = null;
                            var actual = hasher!.FinishString();
                            if (actual != expected)
                            {
                                _fs.Delete(work.TempPath);
                                return (work, "failed", $"{work.FinalPath}: the copy read back from the drive does not match the card ({_verifyFormat.ElementName()} {actual}, card {expected})", OffloadFailureKind.CheckFailed);
                            }

                            // The folder is flushed once at the end: a rename lost to a crash before that only means
                            // the next run finds no final name and copies the file again.
                            var renaming = _clock.Start();
                            _fs.SetLastModified(work.TempPath, file.File.LastModified);
                            _fs.Rename(work.TempPath, work.FinalPath);
                            _clock.Stop(OffloadStage.Rename, renaming);
                            return (work, "verified", null, OffloadFailureKind.None);
                        }
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                await file.Copied;
                reader?.Dispose();
                reader = null;
                Discard(work);
                Break(destination, $"{work.FinalPath}: {error.Message}");
                return (work, "failed", destination.BrokenBy, OffloadFailureKind.Environment);
            }
            catch (OperationCanceledException)
            {
                // Stopped: this copy is not verified, but the other destinations' outcomes for the file still get recorded.
                // The writer may still be in use until the card's read of the file stops.
                await file.Copied;
                reader?.Dispose();
                reader = null;
                Discard(work);
                return (work, "failed", $"{work.FinalPath}: interrupted before it was verified", OffloadFailureKind.Environment);
            }
            finally
            {
                reader?.Dispose();
                hasher?.Dispose();
            }
        }

        private void WriteOut(IOffloadWriter writer, long from, long to)
        {
            var started = _clock.Start();
            writer.WriteOut(from, to - from);
            _clock.Stop(OffloadStage.WriteOut, started, to - from);
        }

        private void Flush(IOffloadWriter writer)
        {
            var started = _clock.Start();
            writer.FlushToDisk();
            _clock.Stop(OffloadStage.Flush, started);
        }

        private IVerificationReader OpenReRead(string path, Destination destination)
        {
            var reader = _fs.OpenForVerification(path, out var mode);
            destination.ReReadModes.TryAdd(mode, 0);
            return reader;
        }

        private void Discard(DestinationWork work)
        {
            try
            {
                work.Writer?.Dispose();
                if (work.Plan == Plan.Write)
                {
                    _fs.Delete(work.TempPath);
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // The drive may be gone; the partial name is redone on the next run anyway.
            }
        }

        /// <summary>
        /// Reads a copy that reached the drive back from <paramref name="from"/> to <paramref name="to"/> (or its end)
        /// into the hash, in aligned blocks, the reader's number of reads in flight, hashed in order. Returns the
        /// position reached.
        /// </summary>
        private async Task<long> ReReadAsync(IVerificationReader reader, MhlHasher hasher, long from, long to, long expectedSize, string finalPath)
        {
            reader.DropCached(from, to == long.MaxValue ? 0 : to - from);

            // A small file gets a buffer its size (plus a block, to see its end), not a whole chunk.
            var block = (int)Math.Min(FullBlock, AlignedBuffer.RoundUp((int)Math.Min(int.MaxValue - AlignedBuffer.Alignment, Math.Max(0, Math.Min(to, expectedSize) - from))) + AlignedBuffer.Alignment);
            var inFlight = new Queue<(Task<int> Read, AlignedBuffer Buffer, int Want, long Started)>();
            var next = from;
            var position = from;
            var end = false;
            var label = "verifying " + Path.GetFileName(finalPath);
            try
            {
                while (true)
                {
                    while (!end && inFlight.Count < reader.ReadsInFlight && next < to)
                    {
                        var want = (int)Math.Min(block, to - next);
#pragma warning disable CA2000 // Queued with its read; returned to the run's pool once hashed, or in the finally below.
                        var buffer = RentAligned(block);
#pragma warning restore CA2000
                        var started = _clock.Start();
                        inFlight.Enqueue((reader.ReadAsync(buffer.Memory[..AlignedBuffer.RoundUp(want)], next, _cancellationToken).AsTask(), buffer, want, started));
                        next += want;
                    }

                    if (!inFlight.TryPeek(out var head))
                    {
                        return position;
                    }

                    var read = await head.Read;
                    _ = inFlight.Dequeue();
                    _clock.Stop(OffloadStage.ReRead, head.Started, read);
                    var useful = Math.Min(read, head.Want);
                    var hashing = _clock.Start();
                    hasher.Append(head.Buffer.Memory.Span[..useful]);
                    _clock.Stop(OffloadStage.ReReadHash, hashing, useful);
                    ReturnAligned(head.Buffer);
                    position += useful;
                    Interlocked.Add(ref _bytesReRead, useful);
                    Report(label);

                    // A short read is the end of the file; the reads queued past it come back empty.
                    end |= read < head.Want;
                }
            }
            finally
            {
                while (inFlight.TryDequeue(out var left))
                {
                    try
                    {
                        await left.Read;
                    }
                    catch (Exception error) when (error is IOException or OperationCanceledException or UnauthorizedAccessException)
                    {
                        // Already failing; the first error is the one reported.
                    }

                    ReturnAligned(left.Buffer);
                }
            }
        }

        private int FullBlock => AlignedBuffer.RoundUp(_request.ChunkSize);

        /// <summary>Full blocks come from the run's pool; smaller ones are made for one file and freed after it.</summary>
        private AlignedBuffer RentAligned(int length) => length == FullBlock && _aligned.TryTake(out var buffer) ? buffer : new AlignedBuffer(length);

        private void ReturnAligned(AlignedBuffer buffer)
        {
            if (buffer.Length == FullBlock)
            {
                _aligned.Add(buffer);
            }
            else
            {
                ((IDisposable)buffer).Dispose();
            }
        }

        private void Complete(PendingFile file, (DestinationWork Work, string Status, string? Error, OffloadFailureKind Kind)[] outcomes)
        {
            var now = _engine._time.GetUtcNow();
            var statuses = new Dictionary<string, string>(StringComparer.Ordinal);
            string? error = file.SourceError;
            var kind = file.SourceFailure;
            foreach (var (work, status, message, failure) in outcomes)
            {
                statuses[work.Destination.Root] = status;
                if (status == "failed")
                {
                    Interlocked.Increment(ref work.Destination.FileFailures);
                    error ??= message;
                    kind = Worse(kind, failure);
                }
                else if (!file.File.IsHistory)
                {
                    Interlocked.Increment(ref work.Destination.FilesVerified);
                    Interlocked.Add(ref work.Destination.BytesVerified, file.File.Size);
                }
            }

            if (outcomes.Any(o => o.Work.Plan == Plan.Write && o.Status == "verified"))
            {
                Interlocked.Increment(ref _filesCopied);
            }
            else if (outcomes.Length > 0 && outcomes.All(o => o.Status == "resumed"))
            {
                Interlocked.Increment(ref _filesResumed);
            }

            string? historyCheck = null;
            if (file.Hashes is not null && !file.File.IsHistory && _history is not null)
            {
                var originals = GenerationBuilder.OriginalsFor(_history, file.File.Path);
                if (originals is { Count: > 0 })
                {
                    historyCheck = file.Hashes.All(h => GenerationBuilder.ActionFor(originals, h.Key, h.Value) != MhlActions.Failed) ? "verified" : "failed";
                    if (historyCheck == "failed")
                    {
                        _historyCheck = CardStatus.Failed;
                        kind = Worse(kind, OffloadFailureKind.CheckFailed);
                        error ??= $"{Path.Combine(_source, file.File.Path)}: the card no longer matches its ASC MHL history (hash differs from the recorded original)";
                    }
                }
                else
                {
                    historyCheck = "new";
                }
            }

            lock (_gate)
            {
                if (file.Hashes is not null)
                {
                    _hashes[file.File.Path] = file.Hashes;
                    _hashDates[file.File.Path] = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), now.Offset);
                }

                if (kind != OffloadFailureKind.None)
                {
                    _failure = Worse(_failure, kind);
                    _firstError ??= error;
                }

                _results.Add(new OffloadFileResult(
                    file.File.Path,
                    file.File.Size,
                    file.Hashes?.OrderBy(h => h.Key).ToDictionary(h => h.Key.ElementName(), h => h.Value, StringComparer.Ordinal) ?? new Dictionary<string, string>(StringComparer.Ordinal),
                    statuses.Values.All(s => s != "failed") && historyCheck != "failed" ? CardStatus.Verified : CardStatus.Failed,
                    statuses,
                    historyCheck,
                    kind == OffloadFailureKind.None ? null : error));
            }

            Interlocked.Increment(ref _filesDone);
            Report(file.File.Path);
            RecordFile(file, outcomes, now);
        }

        private void CheckHistoryCompleteness()
        {
            if (_history is null)
            {
                return;
            }

            var present = _scan.MediaFiles.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
            foreach (var history in _history.All())
            {
                foreach (var path in history.FilePaths())
                {
                    var full = history.RootPath.Length == 0 ? path : history.RootPath + "/" + path;
                    if (!present.Contains(full))
                    {
                        _historyMissing.Add(full);
                    }
                }
            }

            if (_historyMissing.Count > 0)
            {
                _historyMissing = [.. _historyMissing.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
                _historyCheck = CardStatus.Failed;
                _failure = Worse(_failure, OffloadFailureKind.CheckFailed);
                _firstError ??= $"{Path.Combine(_source, _historyMissing[0])}: listed in the card's ASC MHL history but missing from the card ({_historyMissing.Count} missing)";
            }
        }

        private void FinishDestinations()
        {
            var created = _engine._time.GetUtcNow();
            created = new DateTimeOffset(created.Ticks - (created.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
            foreach (var destination in _destinations.Where(d => !d.Broken))
            {
                try
                {
                    foreach (var folder in _scan.Folders.Select(f => f.Path).Concat(_scan.HistoryRoots.Select(r => Path.Combine(r, MhlNames.FolderName))).Distinct(StringComparer.Ordinal))
                    {
                        _fs.FlushDirectory(Path.Combine(destination.Root, folder));
                    }
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                {
                    Break(destination, $"{destination.Root}: flushing the copy's folders failed: {error.Message}");
                }
            }

            foreach (var destination in _destinations.Where(d => !d.Broken && d.FileFailures == 0))
            {
                try
                {
                    LinkSymlinks(destination);
                    WriteHistory(destination, created);
                    RestoreFolderTimes(destination);
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                {
                    Break(destination, $"{destination.Root}: writing the ASC MHL history failed: {error.Message}");
                }
            }
        }

        private void LinkSymlinks(Destination destination)
        {
            foreach (var link in _scan.Symlinks.Where(l => l.InsideCard))
            {
                var path = Path.Combine(destination.Root, link.Path);
                var existing = _fs.Stat(path);
                if (existing is null)
                {
                    _fs.CreateSymlink(path, link.Target);
                }
                else if (existing.Kind != EntryKind.Symlink || existing.LinkTarget != link.Target)
                {
                    throw new IOException($"{path}: already present and not the card's link to {link.Target}");
                }
            }
        }

        private void WriteHistory(Destination destination, DateTimeOffset created)
        {
            var creator = new MhlCreatorInfo(created, _request.HostName, GenerationBuilder.ToolName, ToolVersion, _request.Author, _request.Location, _request.Comment);
            var mediaHashes = _scan.MediaFiles.ToDictionary(f => f.Path, f => _hashes[f.Path], StringComparer.Ordinal);
            var generations = GenerationBuilder.Build(_scan, mediaHashes, _hashDates, _history, root => ReadDestinationChain(destination, root), _name, creator, MhlProcesses.Transfer);
            foreach (var generation in generations.OrderByDescending(g => g.HistoryRoot.Length))
            {
                var folder = Path.Combine(destination.Root, generation.HistoryRoot, MhlNames.FolderName);
                _fs.CreateDirectory(folder);
                WriteDurably(Path.Combine(folder, generation.ManifestName), generation.Manifest, replace: false);
                WriteDurably(Path.Combine(folder, MhlNames.ChainFileName), generation.Chain, replace: true);
                _fs.FlushDirectory(folder);
                if (generation.HistoryRoot.Length == 0)
                {
                    destination.Mhl = MhlNames.FolderName + "/" + generation.ManifestName;
                    MhlGeneration = generation.Generation;
                }
            }
        }

        public int? MhlGeneration { get; private set; }

        private static string ToolVersion => typeof(OffloadEngine).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";

        private IReadOnlyList<MhlChainEntry> ReadDestinationChain(Destination destination, string historyRoot)
        {
            var path = Path.Combine(destination.Root, historyRoot, MhlNames.FolderName, MhlNames.ChainFileName);
            if (_fs.Stat(path) is not { Kind: EntryKind.File })
            {
                return [];
            }

            try
            {
                using var stream = new MemoryStream(HistoryStore.ReadAllBytes(_fs, path), writable: false);
                return MhlReader.ReadChain(stream, path);
            }
            catch (MalformedInputException)
            {
                // A damaged chain in the copy is rebuilt from the card's history.
                return [];
            }
        }

        private void WriteDurably(string path, byte[] bytes, bool replace)
        {
            var temp = TempName(path);
            using (var writer = _fs.Create(temp))
            {
                writer.WriteAsync(bytes, 0, _cancellationToken).AsTask().GetAwaiter().GetResult();
                writer.FlushToDisk();
            }

            _fs.Rename(temp, path, replace);
        }

        private void RestoreFolderTimes(Destination destination)
        {
            // Deepest first: setting a folder's time must come after everything inside it was written.
            foreach (var folder in _scan.Folders.OrderByDescending(f => f.Path.Length))
            {
                _fs.SetLastModified(Path.Combine(destination.Root, folder.Path), folder.LastModified);
            }
        }

        private void Break(Destination destination, string reason)
        {
            lock (_gate)
            {
                if (destination.Broken)
                {
                    return;
                }

                destination.BrokenBy = reason;
                _failure = Worse(_failure, OffloadFailureKind.Environment);
                _firstError ??= reason;
            }

            RecordCard(CardStatus.Copying, enqueueEvent: null);
        }

        private void Report(string current) =>
            _progress?.Report(new OffloadProgress(
                Interlocked.Read(ref _bytesDone),
                _scan.TotalBytes,
                Volatile.Read(ref _filesDone),
                _scan.Files.Count,
                current,
                Interlocked.Read(ref _bytesReRead),
                _scan.TotalBytes * _destinations.Count));

        private static string TempName(string final) =>
            Path.Combine(Path.GetDirectoryName(final)!, "." + Path.GetFileName(final) + CardScan.PartialSuffix);

        // ---- catalog ----

        private Dictionary<string, Catalog.Offload.OffloadFileRecord> LoadRecords(CardFile file)
        {
            if (_engine._catalog is null)
            {
                return [];
            }

            var ids = _destinations.Select(d => Catalog.Offload.OffloadFileRecord.MakeId(_cardId, d.Root, file.Path)).ToList();
            return Catalog.Offload.OffloadStore.FileRecords(_engine._catalog, ids).ToDictionary(r => r.Destination, StringComparer.Ordinal);
        }

        private void RecordStart() => _engine._catalog?.Write(tx =>
        {
            Catalog.Offload.OffloadStore.InsertJob(tx, new Catalog.Offload.OffloadJobDocument
            {
                Id = _jobId,
                CardId = _cardId,
                Source = _source,
                Destinations = [.. _destinations.Select(d => d.Root)],
                HashFormats = [.. _formats.Select(f => f.ElementName())],
                Status = "running",
                StartedAt = tx.Now,
            });
            WriteCard(tx, CardStatus.Copying, null);
        });

        private void RecordCard(string status, string? enqueueEvent) => _engine._catalog?.Write(tx => WriteCard(tx, status, enqueueEvent));

        private CardDocument WriteCard(CatalogTransaction tx, string status, string? eventKind)
        {
            var card = Catalog.Cards.CardStore.Find(tx, _cardId) ?? new CardDocument { Id = _cardId, CreatedAt = tx.Now };
            card.Name = _name;
            card.SourcePath = _source;
            card.Status = status;
            card.FileCount = _scan.MediaFiles.Count();
            card.TotalBytes = _scan.MediaFiles.Sum(f => f.Size);
            card.HistoryCheck = _historyCheck;
            card.MhlGeneration = MhlGeneration ?? card.MhlGeneration;
            card.UpdatedAt = tx.Now;
            card.Destinations = [.. _destinations.Select(d => new CardDestination
            {
                Path = d.Root,
                Status = status is CardStatus.Copying or CardStatus.Interrupted ? (d.Broken ? CardStatus.Failed : status) : d.Status,
                FilesVerified = d.FilesVerified,
                BytesVerified = d.BytesVerified,
                MhlManifest = d.Mhl,
                Error = d.BrokenBy ?? (status == CardStatus.Interrupted ? Stopped : null),
            })];
            Catalog.Cards.CardStore.Upsert(tx, card);

            // The card record post receives is the contract's one (ShotRecords), written in this same transaction.
            ShotRecords.EnqueueCard(tx, _cardId);
            if (eventKind is not null)
            {
                var destinations = card.Destinations.ConvertAll(d => new CardDestinationStatus(d.Path, d.Status, d.FilesVerified, d.BytesVerified, d.MhlManifest, d.Error));
                var body = new OffloadEvent(_cardId, _name, status, card.SafeToFormat, card.FileCount, card.TotalBytes, _seconds, OverallReReadMode(), _failure == OffloadFailureKind.None ? null : _failure.ToString(), _firstError, destinations);
                ShotRecords.EnqueueEvent(tx, eventKind, System.Text.Json.JsonSerializer.Serialize(body, OffloadMessageJsonContext.Default.OffloadEvent));
            }

            return card;
        }

        private double _seconds;

        private const string Stopped = "interrupted before the offload finished; run it again to resume";

        /// <summary>
        /// File records are written in batches: one catalog transaction (and its flush) per batch of this many files or
        /// this long, not per file; a crash loses at most that much of the record, never a guarantee.
        /// </summary>
        private const int RecordBatch = 64;

        private static readonly TimeSpan RecordEvery = TimeSpan.FromMilliseconds(500);

        private void RecordFile(PendingFile file, (DestinationWork Work, string Status, string? Error, OffloadFailureKind Kind)[] outcomes, DateTimeOffset now)
        {
            if (_engine._catalog is null || outcomes.Length == 0)
            {
                return;
            }

            // A verified copy whose record is still in this buffer when the process dies is found under its final
            // name on the next run with no record: it is re-read and matched (CompareExisting), never trusted blindly.
            var hashes = file.Hashes?.ToDictionary(h => h.Key.ElementName(), h => h.Value, StringComparer.Ordinal) ?? new Dictionary<string, string>(StringComparer.Ordinal);
            bool full;
            lock (_unrecorded)
            {
                foreach (var (work, status, error, _) in outcomes)
                {
                    _unrecorded.Add(new Catalog.Offload.OffloadFileRecord
                    {
                        Id = Catalog.Offload.OffloadFileRecord.MakeId(_cardId, work.Destination.Root, file.File.Path),
                        CardId = _cardId,
                        Destination = work.Destination.Root,
                        Path = file.File.Path,
                        Size = file.File.Size,
                        LastModified = file.File.LastModified,
                        Hashes = hashes,
                        Status = status == "failed" ? CardStatus.Failed : CardStatus.Verified,
                        Error = error,
                        ReReadMode = work.Destination.ReReadModes.Keys.FirstOrDefault(),
                        UpdatedAt = now,
                    });
                }

                full = _unrecorded.Count >= RecordBatch * _destinations.Count || _engine._time.GetElapsedTime(_recordedAt) >= RecordEvery;
            }

            if (full)
            {
                FlushFileRecords();
            }
        }

        private void FlushFileRecords()
        {
            if (_engine._catalog is null)
            {
                return;
            }

            List<Catalog.Offload.OffloadFileRecord> batch;
            lock (_unrecorded)
            {
                if (_unrecorded.Count == 0)
                {
                    return;
                }

                batch = [.. _unrecorded];
                _unrecorded.Clear();
            }

            var started = _clock.Start();
            _recordedAt = _engine._time.GetTimestamp();
            _engine._catalog.Write(tx => Catalog.Offload.OffloadStore.UpsertFileRecords(tx, batch));
            _clock.Stop(OffloadStage.Catalog, started, batch.Count);
        }

        /// <summary>
        /// A stopped run (Ctrl-C, service shutdown) leaves the card interrupted, not copying: what was verified is
        /// recorded, the rest is redone by the next run, and the dashboard and post see that it stopped.
        /// </summary>
        private void RecordInterrupted()
        {
            FlushFileRecords();
            _engine._catalog?.Write(tx =>
            {
                WriteCard(tx, CardStatus.Interrupted, null);
                FinishJob(tx, CardStatus.Interrupted, Stopped);
            });
        }

        /// <summary>Closes this run's job record with its outcome and counts (inside the caller's transaction).</summary>
        private void FinishJob(CatalogTransaction tx, string status, string? error) => Catalog.Offload.OffloadStore.UpdateJob(tx, _jobId, job =>
        {
            job.Status = status;
            job.FilesCopied = _filesCopied;
            job.FilesSkipped = _filesResumed;
            job.BytesRead = _bytesRead;
            job.ReReadMode = OverallReReadMode();
            job.Error = error;
            job.FinishedAt = tx.Now;
        });

        private string OverallReReadMode()
        {
            var modes = _destinations.SelectMany(d => d.ReReadModes.Keys).Distinct(StringComparer.Ordinal).ToList();
            return modes.Count == 0 ? ReReadModes.None
                : modes.Contains(ReReadModes.PageCache) ? ReReadModes.PageCache
                : modes.Contains(ReReadModes.Fadvise) ? ReReadModes.Fadvise
                : modes[0];
        }

        private OffloadResult RecordFinish(double seconds)
        {
            _seconds = seconds;
            var status = _failure == OffloadFailureKind.None && _destinations.TrueForAll(d => d.Status == CardStatus.Verified) ? CardStatus.Verified : CardStatus.Failed;
            if (status == CardStatus.Failed && _failure == OffloadFailureKind.None)
            {
                _failure = OffloadFailureKind.Environment;
                _firstError ??= "not every destination was verified";
            }

            var safe = status == CardStatus.Verified && (_historyCheck is null or CardStatus.Verified);
            var recording = _clock.Start();
            _engine._catalog?.Write(tx =>
            {
                var card = WriteCard(tx, status, status == CardStatus.Verified ? "offload-finished" : "verify-failed");
                safe = card.SafeToFormat;
                FinishJob(tx, status, _firstError);
            });
            _clock.Stop(OffloadStage.Catalog, recording);

            return new OffloadResult(
                _cardId,
                _name,
                _source,
                status,
                safe,
                _scan.MediaFiles.Count(),
                _scan.MediaFiles.Sum(f => f.Size),
                _bytesRead,
                _filesCopied,
                _filesResumed,
                Math.Round(seconds, 3),
                OverallReReadMode(),
                [.. _formats.Select(f => f.ElementName())],
                MhlGeneration,
                _historyCheck,
                _historyMissing,
                [.. _destinations.Select(d => new OffloadDestinationResult(d.Root, d.Status, d.FilesVerified, d.BytesVerified, d.Mhl, d.ReReadModes.Keys.FirstOrDefault(), d.BrokenBy))],
                [.. _results.OrderBy(r => r.Path, StringComparer.Ordinal)],
                _scan.Symlinks,
                _failure,
                _firstError)
            {
                Stages = _clock.Snapshot(),
            };
        }
    }
}
