using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using InterPositive.Formats.AscMhl;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Offload.Engine;

/// <summary>
/// Reads each file of the card once, in pooled chunks, and hands every chunk to all its consumers at the same time:
/// one <see cref="DestinationWriter"/> per destination being written and one hasher per hash format, each behind its
/// own bounded channel, so the slowest consumer paces the card and no chunk is copied between them. Chunks are
/// aligned native memory, so a writer with O_DIRECT sends the very bytes the card was read into to its drive.
/// </summary>
internal sealed class FanOutReader(OffloadRun run) : IDisposable
{
    private readonly ConcurrentBag<AlignedBuffer> _pool = [];

    /// <summary>Copies one planned file; completes <paramref name="pending"/> with the card's hashes or the source error.</summary>
    public async Task CopyAsync(PendingFile pending)
    {
        if (pending.Copied.IsCompleted)
        {
            return;
        }

        try
        {
            var hashes = await ReadOnceAsync(pending);
            pending.Finish(hashes, null, OffloadFailureKind.None);
        }
        catch (OffloadException error)
        {
            pending.Finish(null, error.Message, error.Kind);
        }
    }

    private async Task<IReadOnlyDictionary<MhlHashFormat, string>> ReadOnceAsync(PendingFile pending)
    {
        var sourcePath = Path.Combine(run.Source, pending.File.Path);
        var writers = pending.Work.Where(w => w.Plan == CopyPlan.Write && w.Writer is not null).Select(w => new DestinationWriter(run, w)).ToList();
        var hashers = run.Formats.Select(f => new MhlHasher(f)).ToList();
        try
        {
            var consumers = writers.Count + hashers.Count;
            var channels = Enumerable.Range(0, consumers)
                .Select(_ => Channel.CreateBounded<Chunk>(new BoundedChannelOptions(run.Request.QueueDepth) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true }))
                .ToList();
            var sinks = new List<Task>(consumers);
            for (var i = 0; i < writers.Count; i++)
            {
                var writer = writers[i];
                sinks.Add(SinkAsync(channels[i].Reader, writer.WriteAsync, writer.Fail, writer.Complete));
            }

            for (var i = 0; i < hashers.Count; i++)
            {
                var hasher = hashers[i];
                sinks.Add(SinkAsync(channels[writers.Count + i].Reader, chunk => Hash(hasher, chunk), _ => { }, () => { }));
            }

            long offset = 0;
            FsEntry? before;
            try
            {
                before = run.Fs.Stat(sourcePath);
                if (before is not { Kind: EntryKind.File })
                {
                    throw new OffloadException(OffloadFailureKind.BadInput, $"{sourcePath}: vanished from the card during the offload");
                }

                using var reader = run.Fs.OpenRead(sourcePath);
                while (await ReadChunkAsync(reader, offset, consumers) is { } chunk)
                {
                    offset += chunk.Length;
                    run.CountRead(chunk.Length);
                    var handing = run.Clock.Start();
                    var handed = 0;
                    try
                    {
                        foreach (var channel in channels)
                        {
                            await channel.Writer.WriteAsync(chunk, run.CancellationToken);
                            handed++;
                        }
                    }
                    catch
                    {
                        // Stopped mid hand-off: the shares no consumer got are let go here, so the buffer goes back.
                        for (var i = handed; i < channels.Count; i++)
                        {
                            chunk.Release();
                        }

                        throw;
                    }

                    run.Clock.Stop(OffloadStage.HandOff, handing);
                    run.Report(pending.File.Path);
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

            var after = run.Fs.Stat(sourcePath);
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

    /// <summary>The next chunk of the file, or null at its end.</summary>
    private async Task<Chunk?> ReadChunkAsync(IOffloadReader reader, long offset, int consumers)
    {
#pragma warning disable CA2000 // Owned by the chunk from here on; back in the pool once its last consumer lets go.
        var buffer = _pool.TryTake(out var pooled) ? pooled : new AlignedBuffer(run.Request.ChunkSize);
#pragma warning restore CA2000
        int read;
        try
        {
            var reading = run.Clock.Start();
            read = await reader.ReadAsync(buffer.Memory[..run.Request.ChunkSize], offset, run.CancellationToken);
            run.Clock.Stop(OffloadStage.SourceRead, reading, read);
        }
        catch
        {
            _pool.Add(buffer);
            throw;
        }

        if (read == 0)
        {
            _pool.Add(buffer);
            return null;
        }

        return new Chunk(_pool, buffer, consumers) { Length = read, Offset = offset };
    }

    /// <summary>Frees the pooled chunks (every chunk is back once the last file's read ended).</summary>
    public void Dispose()
    {
        while (_pool.TryTake(out var buffer))
        {
            ((IDisposable)buffer).Dispose();
        }
    }

    private ValueTask Hash(MhlHasher hasher, Chunk chunk)
    {
        var started = run.Clock.Start();
        hasher.Append(chunk.Data.Span);
        run.Clock.Stop(OffloadStage.Hash, started, chunk.Length);
        return ValueTask.CompletedTask;
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
                    if (!failed && !run.CancellationToken.IsCancellationRequested)
                    {
                        await consume(chunk);
                    }
                }
                catch (OperationCanceledException) when (run.CancellationToken.IsCancellationRequested)
                {
                    // Stopped mid-write: the run records the card as interrupted; a stop is not a failed drive.
                    failed = true;
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
}

/// <summary>A pooled buffer shared by the writers and hashers of one read; returned when the last lets go.</summary>
internal sealed class Chunk(ConcurrentBag<AlignedBuffer> pool, AlignedBuffer buffer, int consumers)
{
    private int _consumers = consumers;

    public int Length { get; init; }

    public long Offset { get; init; }

    public ReadOnlyMemory<byte> Data => buffer.Memory[..Length];

    public void Release()
    {
        if (Interlocked.Decrement(ref _consumers) == 0)
        {
            pool.Add(buffer);
        }
    }
}
