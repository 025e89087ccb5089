using InterPositive.Formats.AscMhl;
using InterPositive.Offload.FileSystem;

namespace InterPositive.Offload;

/// <summary>A file whose bytes no longer match the hash its ASC MHL history recorded.</summary>
public sealed record AlteredFile(string Path, string Format, string Recorded, string Actual);

/// <summary>The outcome of verifying a folder against its ASC MHL history.</summary>
public sealed record VerifyReport(
    string Path,
    bool Ok,
    int Generations,
    int FilesChecked,
    int FilesVerified,
    long BytesRead,
    IReadOnlyList<string> Missing,
    IReadOnlyList<AlteredFile> Altered,
    IReadOnlyList<string> New,
    IReadOnlyList<ChainMismatch> ChainMismatches,
    double Seconds);

/// <summary>
/// Verifies a folder against its ASC MHL history (ours or any conforming tool's, nested histories included):
/// every file is hashed in every format its history recorded and compared with the original hash; files in the
/// history but not on disk are missing, files on disk but in no generation are new, and each generation's bytes are
/// checked against the C4 id its chain recorded.
/// </summary>
public sealed class HistoryVerifier(IOffloadFileSystem fs, TimeProvider time)
{
    private const int ChunkSize = 4 << 20;

    public async Task<VerifyReport> VerifyAsync(string path, IProgress<OffloadProgress>? progress, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var root = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path));
        var scan = CardScan.Scan(fs, root);
        var chainMismatches = new List<ChainMismatch>();
        var history = await HistoryStore.LoadAsync(fs, root, scan.HistoryRoots, chainMismatches, cancellationToken);
        if (history is null || !history.All().Any(h => h.Generations.Count > 0))
        {
            throw new OffloadException(OffloadFailureKind.BadInput, $"{root}: no ASC MHL history (no ascmhl folder with generations)");
        }

        var missing = new List<string>();
        var altered = new List<AlteredFile>();
        var added = new List<string>();
        var verified = 0;
        long bytes = 0;
        var total = scan.MediaFiles.Sum(f => f.Size);
        var media = scan.MediaFiles.ToList();
        var buffer = new byte[ChunkSize];
        for (var i = 0; i < media.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var file = media[i];
            var originals = GenerationBuilder.OriginalsFor(history, file.Path);
            if (originals is null || originals.Count == 0)
            {
                added.Add(file.Path);
                continue;
            }

            var hashers = originals.Keys.Select(f => new MhlHasher(f)).ToList();
            try
            {
                using (var reader = fs.OpenRead(System.IO.Path.Combine(root, file.Path)))
                {
                    long offset = 0;
                    while (true)
                    {
                        var read = await reader.ReadAsync(buffer, offset, cancellationToken);
                        if (read == 0)
                        {
                            break;
                        }

                        foreach (var hasher in hashers)
                        {
                            hasher.Append(buffer.AsSpan(0, read));
                        }

                        offset += read;
                        bytes += read;
                        progress?.Report(new OffloadProgress(bytes, total, i, media.Count, file.Path));
                    }
                }

                var ok = true;
                foreach (var hasher in hashers)
                {
                    var actual = hasher.FinishString();
                    var recorded = originals[hasher.Format];
                    if (!string.Equals(actual, recorded, StringComparison.Ordinal))
                    {
                        ok = false;
                        altered.Add(new AlteredFile(file.Path, hasher.Format.ElementName(), recorded, actual));
                    }
                }

                if (ok)
                {
                    verified++;
                }
            }
            finally
            {
                foreach (var hasher in hashers)
                {
                    hasher.Dispose();
                }
            }
        }

        var present = media.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var h in history.All())
        {
            foreach (var recorded in h.FilePaths())
            {
                var full = h.RootPath.Length == 0 ? recorded : h.RootPath + "/" + recorded;
                if (!present.Contains(full))
                {
                    missing.Add(full);
                }
            }
        }

        missing = [.. missing.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        var ok2 = missing.Count == 0 && altered.Count == 0 && added.Count == 0 && chainMismatches.Count == 0;
        return new VerifyReport(
            root,
            ok2,
            history.All().Sum(h => h.Generations.Count),
            media.Count,
            verified,
            bytes,
            missing,
            altered,
            added,
            chainMismatches,
            Math.Round(time.GetElapsedTime(started).TotalSeconds, 3));
    }
}
