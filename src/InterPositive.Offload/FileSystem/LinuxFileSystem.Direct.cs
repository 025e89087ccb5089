using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace InterPositive.Offload.FileSystem;

// Every handle opened here is handed to the writer that owns it and disposes it.
#pragma warning disable CA2000

/// <summary>
/// The copy's write path: a large file is written with O_DIRECT (straight from the aligned chunk the card was read
/// into, to the drive, no page cache to fill, write back and evict), a small one through the page cache (O_DIRECT per
/// small file would only add a round trip each), and where a file system refuses O_DIRECT the large file falls back
/// to the page cache too: written out and fdatasync'd before the rename, its pages dropped (fadvise) before the re-read.
/// </summary>
public sealed partial class LinuxFileSystem
{
    /// <summary>Files from this size on are written with O_DIRECT where the file system takes it.</summary>
    public const long DirectWriteMinSize = 4L << 20;

    private const int OWrOnly = 1;
    private const int OCreat = 0x40;
    private const int OTrunc = 0x200;
    private const int FGetFl = 3;
    private const int FSetFl = 4;

    /// <summary>Whether large copies are written with O_DIRECT (on by default; the benchmark also times without).</summary>
    public bool DirectWrites { get; init; } = true;

    /// <summary>
    /// Test seam: the copies for which the O_DIRECT open answers EINVAL, as on a file system that refuses O_DIRECT
    /// (tmpfs and ext4 take it, so the fallback could not be reached in a test otherwise).
    /// </summary>
    internal Func<string, bool>? RefusesDirect { get; init; }

    /// <summary>The page-cache write path for every file (the benchmark's comparison).</summary>
    public static LinuxFileSystem Buffered { get; } = new() { DirectWrites = false };

    public IOffloadWriter CreateCopy(string path, long size, out string writeMode) =>
        CreateCopyAt(WorkingDirectory, path, path, size, IsMemoryBacked(Path.GetDirectoryName(path) ?? "/"), 0, out writeMode);

    public IVerificationReader OpenForVerification(string path, bool direct, out string reReadMode) =>
        OpenForVerificationAt(WorkingDirectory, path, path, direct, IsMemoryBacked(path), 0, out reReadMode);

    /// <summary>Creates a copy's temporary file, <paramref name="name"/> resolved in <paramref name="folder"/>.</summary>
    internal IOffloadWriter CreateCopyAt(SafeFileHandle folder, string name, string shown, long size, bool memoryBacked, int flags, out string writeMode)
    {
        // On tmpfs the page cache is the storage: O_DIRECT would only be a slower memcpy.
        if (!DirectWrites || size < DirectWriteMinSize || memoryBacked)
        {
            writeMode = WriteModes.Buffered;
            return CreateAt(folder, name, shown, flags);
        }

        var refused = RefusesDirect?.Invoke(shown) == true;
        var fd = refused ? -1 : OpenAt(folder, name, OWrOnly | OCreat | OTrunc | ODirect | OCloexec | flags, FileMode666);
        if (fd >= 0)
        {
            writeMode = WriteModes.Direct;
            return new DirectWriter(new SafeFileHandle(fd, ownsHandle: true), shown);
        }

        var errno = refused ? EInval : Marshal.GetLastPInvokeError();
        if (errno != EInval)
        {
            throw Failure(shown, "cannot create the copy", errno);
        }

        writeMode = WriteModes.BufferedFallback;
        return CreateAt(folder, name, shown, flags);
    }

    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(SafeFileHandle fd, int command, int argument);

    /// <summary>
    /// Writes aligned chunks at aligned offsets with O_DIRECT. The first write that is not (the file's short last
    /// chunk, whose length is no multiple of the block) clears O_DIRECT on the descriptor and goes through the page
    /// cache, as does everything after it; the write-out and fdatasync the verifier does anyway cover those bytes.
    /// </summary>
    internal sealed class DirectWriter(SafeFileHandle handle, string path) : IOffloadWriter
    {
        private readonly Writer _buffered = new(handle, path);
        private bool _direct = true;

        /// <summary>Bytes written with O_DIRECT (the rest went through the page cache).</summary>
        public long DirectBytes { get; private set; }

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, long offset, CancellationToken cancellationToken)
        {
            var whole = DirectPart(data, offset);
            if (whole > 0)
            {
                await RandomAccess.WriteAsync(handle, data[..whole], offset, cancellationToken);
                DirectBytes += whole;
            }

            if (whole < data.Length)
            {
                StopDirect();
                await RandomAccess.WriteAsync(handle, data[whole..], offset + whole, cancellationToken);
            }
        }

        public void Write(ReadOnlyMemory<byte> data, long offset, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var whole = DirectPart(data, offset);
            if (whole > 0)
            {
                RandomAccess.Write(handle, data.Span[..whole], offset);
                DirectBytes += whole;
            }

            if (whole < data.Length)
            {
                StopDirect();
                RandomAccess.Write(handle, data.Span[whole..], offset + whole);
            }
        }

        /// <summary>How much of a write can go with O_DIRECT: its whole blocks, when it starts aligned in aligned memory.</summary>
        private int DirectPart(ReadOnlyMemory<byte> data, long offset) =>
            _direct && offset % AlignedBuffer.Alignment == 0 && AlignedBuffer.IsAligned(data) ? data.Length & ~(AlignedBuffer.Alignment - 1) : 0;

        public void WriteOut(long offset, long length) => _buffered.WriteOut(offset, length);

        public void FlushToDisk() => _buffered.FlushToDisk();

        // The buffered writer owns the same descriptor: disposing it closes it.
        public void Dispose() => _buffered.Dispose();

        private void StopDirect()
        {
            if (!_direct)
            {
                return;
            }

            var flags = Fcntl(handle, FGetFl, 0);
            if (flags < 0 || Fcntl(handle, FSetFl, flags & ~ODirect) != 0)
            {
                throw new IOException($"{path}: cannot leave O_DIRECT for the last, unaligned bytes (errno {Marshal.GetLastPInvokeError()})");
            }

            _direct = false;
        }
    }
}
