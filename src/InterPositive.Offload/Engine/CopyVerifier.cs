using System.Collections.Concurrent;
using System.Threading.Channels;
using InterPositive.Formats.AscMhl;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Offload.Engine;

/// <summary>
/// Verifies every copy behind its writer, step by step: a written step is written out to the drive and waited for
/// (sync_file_range), and only then re-read from the drive (O_DIRECT, or fadvise where O_DIRECT is refused) into the
/// verification hash, so every byte read back had reached the drive before it was read. When the copy is complete:
/// fdatasync (data and size durable), the rest re-read, the hash compared with the card's, the source's modification
/// time set, and only then the rename to the final name. Several files verify at once, so small files' flushes share
/// journal commits.
/// </summary>
internal sealed class CopyVerifier(OffloadRun run, OffloadJournal journal) : IDisposable
{
    /// <summary>Files verified at once (and so the most the card's read runs ahead of verification).</summary>
    public const int Parallelism = 8;

    private readonly ConcurrentBag<AlignedBuffer> _aligned = [];
    private readonly SemaphoreSlim _slots = new(Parallelism);

    /// <summary>A page-cache re-read's step: well inside a core's L2 (1-2 MiB on the boxes we run on).</summary>
    private const int CacheStep = 1 << 20;

    private int FullBlock => AlignedBuffer.RoundUp(run.Request.ChunkSize);

    /// <summary>Verifies the files handed in until the channel completes; each file's outcomes are tallied and journalled.</summary>
    public async Task RunAsync(ChannelReader<PendingFile> pending)
    {
        // Several files verify at once: their flushes share journal commits, which is what makes a card of many
        // small files quick; a large clip is flushed and re-read step by step behind its own copy.
        var running = new List<Task>();
        await foreach (var file in pending.ReadAllAsync(CancellationToken.None))
        {
            await _slots.WaitAsync(CancellationToken.None);
            running.RemoveAll(t => t.IsCompletedSuccessfully);
            running.Add(VerifyFileAsync(file));
        }

        await Task.WhenAll(running);
    }

    private async Task VerifyFileAsync(PendingFile file)
    {
        try
        {
            // Off the loop's thread at once: the first step of a verification may block in a flush.
            await Task.Yield();
            var outcomes = await Task.WhenAll(file.Work.Select(w => VerifyAsync(file, w)));
            var now = run.Time.GetUtcNow();
            run.Complete(file, outcomes, now);
            journal.RecordFile(file, outcomes, now);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task<FileOutcome> VerifyAsync(PendingFile file, DestinationWork work)
    {
        var destination = work.Destination;
        MhlHasher? hasher = null;
        IVerificationReader? reader = null;
        try
        {
            long verified = 0;
            if (work.Plan == CopyPlan.Write && work.Writer is not null)
            {
                // Follow the writer: each step it reports written is written out to the drive and waited for, then
                // read back from the drive. The fdatasync of the whole copy (data and size) comes before the rename.
                hasher = new MhlHasher(run.VerifyFormat);
                await foreach (var upTo in work.Written.Reader.ReadAllAsync(run.CancellationToken))
                {
                    var step = AlignedBuffer.RoundDown(upTo);
                    if (step <= verified || work.WriteError is not null)
                    {
                        continue;
                    }

                    WriteOut(work.Writer, verified, step);
                    reader ??= OpenReRead(work, work.TempRelative);
                    verified = await ReReadAsync(reader, hasher, destination, verified, step, file.File.Size, work.FinalPath);
                }
            }

            await file.Copied;

            // A copy written in full before its drive failed on a later file is still verified: the re-read decides.
            if (file.SourceError is not null || file.Hashes is null || work.Plan == CopyPlan.Unavailable || work.WriteError is not null
                || (destination.Broken && work.Plan != CopyPlan.Write))
            {
                reader?.Dispose();
                reader = null;
                Discard(work);
                return FileOutcome.Fail(work, work.WriteError ?? file.SourceError ?? destination.BrokenBy ?? "not copied", file.SourceFailure == OffloadFailureKind.None ? OffloadFailureKind.Environment : file.SourceFailure);
            }

            var expected = file.Hashes[run.VerifyFormat];
            switch (work.Plan)
            {
                case CopyPlan.Resumed:
                    return new FileOutcome(work, CopyOutcome.Resumed);
                case CopyPlan.CompareExisting:
                    {
                        using var existing = new MhlHasher(run.VerifyFormat);
                        using (var compare = OpenReRead(work, work.RelativePath))
                        {
                            await ReReadAsync(compare, existing, destination, 0, long.MaxValue, file.File.Size, work.FinalPath);
                        }

                        var actual = existing.FinishString();
                        return actual == expected
                            ? new FileOutcome(work, CopyOutcome.MatchedExisting)
                            : FileOutcome.Fail(work, $"{work.FinalPath}: a file of that name is already in the destination with other content ({run.VerifyFormat.ElementName()} {actual}, card {expected}); left untouched", OffloadFailureKind.CheckFailed);
                    }

                default:
                    {
                        // The whole copy is durable before its last bytes are read back and long before the rename.
                        Flush(work.Writer!);
                        work.Writer!.Dispose();
                        reader ??= OpenReRead(work, work.TempRelative);
                        await ReReadAsync(reader, hasher!, destination, verified, long.MaxValue, file.File.Size, work.FinalPath);
                        reader.Dispose();
                        reader = null;
                        return Conclude(run, file, work, hasher!.FinishString());
                    }
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            await file.Copied;
            reader?.Dispose();
            reader = null;
            Discard(work);
            run.Break(destination, $"{work.FinalPath}: {error.Message}");
            return FileOutcome.Fail(work, destination.BrokenBy, OffloadFailureKind.Environment);
        }
        catch (OperationCanceledException)
        {
            // Stopped: this copy is not verified, but the other destinations' outcomes for the file still get recorded.
            // The writer may still be in use until the card's read of the file stops.
            await file.Copied;
            reader?.Dispose();
            reader = null;
            Discard(work);
            return FileOutcome.Fail(work, $"{work.FinalPath}: interrupted before it was verified", OffloadFailureKind.Environment);
        }
        finally
        {
            reader?.Dispose();
            hasher?.Dispose();
        }
    }

    private void WriteOut(IOffloadWriter writer, long from, long to)
    {
        var started = run.Clock.Start();
        writer.WriteOut(from, to - from);
        run.Clock.Stop(OffloadStage.WriteOut, started, to - from);
    }

    private void Flush(IOffloadWriter writer)
    {
        var started = run.Clock.Start();
        writer.FlushToDisk();
        run.Clock.Stop(OffloadStage.Flush, started);
    }

    private static IVerificationReader OpenReRead(DestinationWork work, string relative)
    {
        var reader = work.Destination.Tree.OpenForVerification(relative, direct: work.WriteMode == WriteModes.Direct, out var mode);
        work.Destination.ReReadModes.TryAdd(mode, 0);
        return reader;
    }

    private static void Discard(DestinationWork work)
    {
        try
        {
            work.Writer?.Dispose();
            if (work.Plan == CopyPlan.Write)
            {
                work.Destination.Tree.Delete(work.TempRelative);
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
    private async Task<long> ReReadAsync(IVerificationReader reader, MhlHasher hasher, OffloadDestination destination, long from, long to, long expectedSize, string finalPath)
    {
        reader.DropCached(from, to == long.MaxValue ? 0 : to - from);

        // A small file gets a buffer its size (plus a block, to see its end), not a whole chunk.
        var block = (int)Math.Min(FullBlock, AlignedBuffer.RoundUp((int)Math.Min(int.MaxValue - AlignedBuffer.Alignment, Math.Max(0, Math.Min(to, expectedSize) - from))) + AlignedBuffer.Alignment);

        // Through the page cache, one read at a time: in steps a core's cache holds, so the hash reads what the read
        // just put there instead of a whole chunk fetched back from memory (O_DIRECT keeps whole chunks for the drive).
        var step = reader.ReadsInFlight == 1 ? Math.Min(block, CacheStep) : block;
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
                    var want = (int)Math.Min(step, to - next);
#pragma warning disable CA2000 // Queued with its read; returned to the pool once hashed, or in the finally below.
                    var buffer = RentAligned(block);
#pragma warning restore CA2000
                    var started = run.Clock.Start();
                    inFlight.Enqueue((reader.ReadAsync(buffer.Memory[..AlignedBuffer.RoundUp(want)], next, run.CancellationToken).AsTask(), buffer, want, started));
                    next += want;
                }

                if (!inFlight.TryPeek(out var head))
                {
                    return position;
                }

                var read = await head.Read;
                _ = inFlight.Dequeue();
                run.Clock.Stop(OffloadStage.ReRead, head.Started, read);
                var useful = Math.Min(read, head.Want);
                var hashing = run.Clock.Start();
                hasher.Append(head.Buffer.Memory.Span[..useful]);
                run.Clock.Stop(OffloadStage.ReReadHash, hashing, useful);
                ReturnAligned(head.Buffer);
                position += useful;
                destination.CountReRead(useful);
                run.Report(label);

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

    public void Dispose()
    {
        _slots.Dispose();
        while (_aligned.TryTake(out var buffer))
        {
            ((IDisposable)buffer).Dispose();
        }
    }

    /// <summary>
    /// The read-back's verdict on a written copy: one that matches the card gets the card's time and its final name,
    /// one that does not is deleted. Shared by streamed files and batches.
    /// </summary>
    public static FileOutcome Conclude(OffloadRun run, PendingFile file, DestinationWork work, string actual)
    {
        var expected = file.Hashes![run.VerifyFormat];
        if (actual != expected)
        {
            work.Destination.Tree.Delete(work.TempRelative);
            return FileOutcome.Fail(work, $"{work.FinalPath}: the copy read back from the drive does not match the card ({run.VerifyFormat.ElementName()} {actual}, card {expected})", OffloadFailureKind.CheckFailed);
        }

        // The folder is flushed once at the end: a rename lost to a crash before that only means the next run finds
        // no final name and copies the file again.
        var renaming = run.Clock.Start();
        work.Destination.Tree.SetLastModified(work.TempRelative, file.File.LastModified);
        work.Destination.Tree.Rename(work.TempRelative, work.RelativePath);
        run.Clock.Stop(OffloadStage.Rename, renaming);
        return new FileOutcome(work, CopyOutcome.Verified);
    }
}
