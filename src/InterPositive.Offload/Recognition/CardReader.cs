using InterPositive.Formats;
using InterPositive.Formats.Blackmagic;
using InterPositive.Formats.Clips;
using InterPositive.Formats.Mxf;
using InterPositive.Formats.QuickTime;
using InterPositive.Formats.Red;
using InterPositive.Formats.Sony;

namespace InterPositive.Offload.Recognition;

/// <summary>The files of a card, behind a seam so the readers never touch the file system themselves.</summary>
public interface ICardFiles
{
    /// <summary>Every file, relative to the card root, forward slashes.</summary>
    IEnumerable<string> List();

    /// <summary>Opens a file for reading (seekable).</summary>
    Stream OpenRead(string relativePath);
}

/// <summary>A card on a mounted file system.</summary>
public sealed class DirectoryCardFiles(string root) : ICardFiles
{
    public string Root { get; } = Path.GetFullPath(root);

    public IEnumerable<string> List()
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint, MaxRecursionDepth = 16 };
        return Directory.EnumerateFiles(Root, "*", options).Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'));
    }

    public Stream OpenRead(string relativePath) =>
        new FileStream(Path.Combine(Root, relativePath), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096, FileOptions.RandomAccess);
}

/// <summary>
/// A card's metadata: its family, one record per clip, and every per-file error on the card (each clip's
/// <c>errors</c>, plus any that belong to no clip, such as a folder that could not be listed), one line each.
/// </summary>
public sealed record CardClips(string Family, List<ClipRecord> Clips, List<string> Errors);

/// <summary>
/// Recognises a card and reads every clip's metadata from its own structures: the container header (QuickTime, MXF,
/// R3D), then the sidecar (Sony XML, BRAW .sidecar) on top. A file that cannot be read gives an error in that clip's
/// <c>errors</c>; the rest of the card is read regardless.
/// </summary>
public sealed class CardReader(ICardFiles files)
{
    /// <summary>No header we read needs more than this from one file; a reader asking for more is refused.</summary>
    public const long MaxBytesPerFile = 96L * 1024 * 1024;

    public static CardClips ReadDirectory(string root, CancellationToken cancellationToken = default) =>
        new CardReader(new DirectoryCardFiles(root)).Read(cancellationToken);

    public CardClips Read(CancellationToken cancellationToken = default)
    {
        var errors = new List<string>();
        List<string> list;
        try
        {
            list = files.List().ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new CardClips(CameraFamily.Generic, [], [$"cannot list the card: {e.Message}"]);
        }

        var layout = CardRecognizer.Recognize(list);
        var clips = new ClipRecord[layout.Clips.Count];
        Parallel.For(0, layout.Clips.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, i =>
            clips[i] = ReadClip(layout.Clips[i]));
        errors.AddRange(clips.SelectMany(c => c.Errors));
        return new CardClips(layout.Family, [.. clips], errors);
    }

    /// <summary>Reads one clip: essence header first, then its sidecar overriding it; never throws for bad media.</summary>
    public ClipRecord ReadClip(ClipSource source)
    {
        var clip = new ClipRecord { Path = source.MainFile };
        try
        {
            using var stream = new BoundedReadStream(files.OpenRead(source.MainFile), MaxBytesPerFile, source.MainFile);
            clip = source.Container switch
            {
                ClipContainer.QuickTime => QuickTimeClip.Read(stream, source.MainFile),
                ClipContainer.Mxf => MxfClip.Read(stream, source.MainFile),
                ClipContainer.R3d => R3dReader.ReadRecord(stream, source.MainFile),
                _ => clip,
            };
        }
        catch (MalformedInputException e)
        {
            clip.Errors.Add(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            clip.Errors.Add($"{source.MainFile}: {e.Message}");
        }

        if (source.Sidecar is { } sidecar)
        {
            try
            {
                using var stream = new BoundedReadStream(files.OpenRead(sidecar), MaxBytesPerFile, sidecar);
                var over = source.Family == CameraFamily.Sony
                    ? NonRealTimeMeta.Read(stream, sidecar, source.MainFile)
                    : BrawSidecar.Read(stream, sidecar, source.MainFile);
                clip = clip.OverlaidWith(over);
            }
            catch (MalformedInputException e)
            {
                clip.Errors.Add(e.Message);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                clip.Errors.Add($"{sidecar}: {e.Message}");
            }
        }

        return Complete(clip, source);
    }

    /// <summary>What the layout says when the media does not: clip name, make by family, roll from the clip name.</summary>
    private static ClipRecord Complete(ClipRecord clip, ClipSource source)
    {
        clip = clip with { Path = source.MainFile, Clip = clip.Clip ?? source.Name };
        var make = source.Family switch
        {
            CameraFamily.Arri => "ARRI",
            CameraFamily.Red => "RED",
            CameraFamily.Sony => "Sony",
            CameraFamily.Blackmagic => "Blackmagic Design",
            CameraFamily.Canon => "Canon",
            _ => null,
        };
        if (clip.Camera.Make is null && make is not null)
        {
            clip = clip with { Camera = clip.Camera with { Make = make } };
        }

        if (clip.Reel is null && source.Family is CameraFamily.Arri or CameraFamily.Red && CardRecognizer.RollFromName(source.Name) is { } roll)
        {
            clip = clip with { Reel = roll };
        }

        if (source.Family == CameraFamily.Blackmagic && clip.Codec is not null && clip.Codec != CodecNames.BlackmagicRaw)
        {
            clip = clip with { Codec = CodecNames.BlackmagicRaw, CodecId = clip.CodecId ?? clip.Codec };
        }

        return clip;
    }
}

/// <summary>A read-only view of a stream that refuses to hand out more than a budget of bytes (hostile headers cannot make a reader slurp a card).</summary>
internal sealed class BoundedReadStream(Stream inner, long budget, string source) : Stream
{
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => inner.Position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        _read += n;
        if (_read > budget)
        {
            throw new MalformedInputException(FormattableString.Invariant($"reading the header took more than {budget} bytes"), source, inner.Position);
        }

        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
