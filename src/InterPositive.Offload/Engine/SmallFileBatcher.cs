using System.Collections.Concurrent;
using System.Globalization;
using InterPositive.Formats.AscMhl;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Offload.Engine;

/// <summary>
/// Gathers small files into batches and copies each batch as one unit: the card's files read one after another into
/// one aligned buffer and hashed there, then one hand-off per destination (<see cref="BatchWriter"/>), where the batch
/// is written, flushed and read back together. A file of a few KiB alone through the pipeline pays a hand-off per
/// consumer, a flush that commits the journal and a re-read setup each; batched, those are shared. The guarantee is
/// the same per file: each copy is fdatasync'd, read back from the drive, and verified only if its hash matches.
/// </summary>
internal sealed class SmallFileBatcher(OffloadRun run, OffloadJournal journal) : IDisposable
{
    /// <summary>Batches between the card's read and their verification at once: one read while one writes.</summary>
    public const int InFlight = 2;

    private readonly ConcurrentBag<AlignedBuffer> _buffers = [];
    private readonly SemaphoreSlim _slots = new(InFlight);
    private readonly List<Task> _running = [];
    private List<PendingFile> _batch = [];
    private long _batchBytes;

    /// <summary>
    /// Files below this go in batches: a file that fits in one chunk is read in one read either way, so batching only
    /// shares the chunk and the hand-off; anything larger streams chunk by chunk, verified behind its writer.
    /// </summary>
    public static long LimitFor(OffloadRequest request) => Math.Min(request.SmallFileLimit, Math.Min(request.ChunkSize, request.BatchBytes));

    private long Limit => LimitFor(run.Request);

    /// <summary>Whether a file of the card is small enough to go in a batch.</summary>
    public bool Accepts(CardFile file) => file.Size < Limit;

    /// <summary>Whether a planned file can be batched: not already done, and only copies to write (no compare, no resume).</summary>
    public static bool CanBatch(PendingFile pending) =>
        !pending.Copied.IsCompleted && pending.Work.Exists(w => w.Plan == CopyPlan.Write) && pending.Work.TrueForAll(w => w.Plan is CopyPlan.Write or CopyPlan.Unavailable);

    /// <summary>Adds a planned file; the batch is read and handed on once it is full.</summary>
    public async Task AddAsync(PendingFile pending)
    {
        if (_batch.Count >= run.Request.BatchFiles || _batchBytes + pending.File.Size > run.Request.BatchBytes)
        {
            await FlushAsync();
        }

        _batch.Add(pending);
        _batchBytes += pending.File.Size;
    }

    /// <summary>Reads the batch gathered so far from the card and hands it to the destinations.</summary>
    public async Task FlushAsync()
    {
        if (_batch.Count == 0)
        {
            return;
        }

        var batch = _batch;
        _batch = [];
        _batchBytes = 0;

        // Not cancellable: a stop still reads nothing more, but every planned file gets its outcome recorded.
        await _slots.WaitAsync(CancellationToken.None);
#pragma warning disable CA2000 // Back in the pool when the batch is verified (below).
        var buffer = _buffers.TryTake(out var pooled) ? pooled : new AlignedBuffer(run.Request.BatchBytes);
#pragma warning restore CA2000
        var slices = await ReadAsync(batch, buffer);
        _running.RemoveAll(t => t.IsCompletedSuccessfully);
        _running.Add(Task.Run(async () =>
        {
            try
            {
                await new BatchWriter(run, journal).VerifyAsync(batch, buffer, slices);
            }
            finally
            {
                _buffers.Add(buffer);
                _slots.Release();
            }
        }));
    }

    /// <summary>Reads and hands on what is gathered, then waits for every batch to be verified and recorded.</summary>
    public async Task CompleteAsync()
    {
        await FlushAsync();
        await Task.WhenAll(_running);
    }

    /// <summary>
    /// Reads each file of the batch into its slice of the buffer (checking it did not change meanwhile) and hashes it
    /// in every format; a file that cannot be read finishes with its error and the rest go on.
    /// </summary>
    private async Task<(int Offset, int Length)[]> ReadAsync(List<PendingFile> batch, AlignedBuffer buffer)
    {
        // Give the card's reads a thread of their own: they are synchronous, one small file after another.
        await Task.Yield();
        var slices = new (int Offset, int Length)[batch.Count];
        var offset = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var pending = batch[i];
            var path = Path.Combine(run.Source, pending.File.Path);
            var got = 0;
            try
            {
                run.CancellationToken.ThrowIfCancellationRequested();
                var before = run.Fs.Stat(path);
                if (before is not { Kind: EntryKind.File })
                {
                    throw new OffloadException(OffloadFailureKind.BadInput, $"{path}: vanished from the card during the offload");
                }

                // Its slice was sized by the scan: a file that grew since does not fit, and changed anyway.
                if (before.Size != pending.File.Size)
                {
                    throw new OffloadException(OffloadFailureKind.BadInput, FormattableString.Invariant($"{path}: changed since the card was scanned (size {pending.File.Size} → {before.Size})"));
                }

                var slice = buffer.Memory.Slice(offset, (int)before.Size);
                using (var reader = run.Fs.OpenRead(path))
                {
                    var reading = run.Clock.Start();
                    int read;
                    while (got < slice.Length && (read = reader.Read(slice[got..], got, run.CancellationToken)) > 0)
                    {
                        got += read;
                        run.CountRead(read);
                    }

                    run.Clock.Stop(OffloadStage.SourceRead, reading, got);
                }

                var after = run.Fs.Stat(path);
                if (after is null || after.Size != before.Size || after.LastModified != before.LastModified || got != before.Size)
                {
                    throw new OffloadException(OffloadFailureKind.BadInput, FormattableString.Invariant(
                        $"{path}: changed during the copy (size {before.Size} → {after?.Size ?? -1}, read {got} bytes, modified {before.LastModified:O} → {after?.LastModified:O})"));
                }

                var hashing = run.Clock.Start();
                var hashes = run.Formats.ToDictionary(f => f, f => MhlHasher.HashData(f, slice.Span));
                run.Clock.Stop(OffloadStage.Hash, hashing, got * run.Formats.Count);
                slices[i] = (offset, got);
                offset += got;
                pending.Finish(hashes, null, OffloadFailureKind.None);
            }
            catch (OffloadException error)
            {
                pending.Finish(null, error.Message, error.Kind);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                pending.Finish(null, $"{path}: source read error at offset {got.ToString(CultureInfo.InvariantCulture)}: {error.Message}", OffloadFailureKind.BadInput);
            }
            catch (OperationCanceledException)
            {
                pending.Finish(null, $"{path}: interrupted before it was copied", OffloadFailureKind.Environment);
            }
        }

        run.Report(batch[^1].File.Path);
        return slices;
    }

    public void Dispose()
    {
        _slots.Dispose();
        while (_buffers.TryTake(out var buffer))
        {
            ((IDisposable)buffer).Dispose();
        }
    }
}
