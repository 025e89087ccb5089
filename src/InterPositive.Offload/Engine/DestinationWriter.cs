namespace InterPositive.Offload.Engine;

/// <summary>
/// Writes the card's chunks of one file into one destination's temporary copy, and tells the verifier how far the
/// copy is written at every verify step so it can flush and re-read that much behind the writer.
/// </summary>
internal sealed class DestinationWriter(OffloadRun run, DestinationWork work)
{
    private long _posted;

    public async ValueTask WriteAsync(Chunk chunk)
    {
        var started = run.Clock.Start();
        await work.Writer!.WriteAsync(chunk.Data, chunk.Offset, run.CancellationToken);
        run.Clock.Stop(OffloadStage.Write, started, chunk.Length);
        var written = chunk.Offset + chunk.Length;
        if (written - _posted >= run.Request.VerifyStep)
        {
            _posted = written;
            work.Written.Writer.TryWrite(written);
        }
    }

    /// <summary>A failed write breaks the destination: a full or pulled drive takes no more files.</summary>
    public void Fail(Exception error)
    {
        work.WriteError = $"{work.FinalPath}: write failed: {error.Message}";
        run.Break(work.Destination, work.WriteError);
    }

    public void Complete() => work.Written.Writer.TryComplete();
}
