using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace InterPositive.Formats.AscMhl;

/// <summary>
/// An incremental hash in one ASC MHL format. xxHash digests come out big-endian, which is exactly the byte
/// order of their canonical hex strings (as xxhsum and the reference implementation print them).
/// </summary>
public sealed class MhlHasher : IDisposable
{
    private readonly NonCryptographicHashAlgorithm? _xx;
    private readonly IncrementalHash? _crypto;

    public MhlHasher(MhlHashFormat format)
    {
        Format = format;
        switch (format)
        {
            case MhlHashFormat.Xxh64:
                _xx = new XxHash64();
                break;
            case MhlHashFormat.Xxh3:
                _xx = new XxHash3();
                break;
            case MhlHashFormat.Xxh128:
                _xx = new XxHash128();
                break;
            case MhlHashFormat.Md5:
                _crypto = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
                break;
            case MhlHashFormat.Sha1:
                _crypto = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
                break;
            case MhlHashFormat.C4:
                _crypto = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "unknown ASC MHL hash format");
        }
    }

    public MhlHashFormat Format { get; }

    // Never inlined: once tiered up (as in the long-running service), the JIT's code for the card reader's hash
    // consumer with this inlined hashed 3-4x slower than this method compiled on its own (offload benchmark: the
    // card's hash went from about 0.3 to 1.2 busy seconds per GiB from the second offload in a process on).
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Append(ReadOnlySpan<byte> data)
    {
        if (_xx is not null)
        {
            _xx.Append(data);
        }
        else
        {
            _crypto!.AppendData(data);
        }
    }

    /// <summary>Writes the digest into <paramref name="digest"/> and resets the hasher for the next input.</summary>
    public void Finish(Span<byte> digest)
    {
        if (_xx is not null)
        {
            _xx.GetHashAndReset(digest);
        }
        else
        {
            _crypto!.GetHashAndReset(digest);
        }
    }

    /// <summary>The digest as its ASC MHL string, and resets the hasher.</summary>
    public string FinishString()
    {
        Span<byte> digest = stackalloc byte[64];
        var length = Format.DigestLength();
        Finish(digest[..length]);
        return HashStrings.Format(Format, digest[..length]);
    }

    /// <summary>One-shot hash of some bytes as the format's string.</summary>
    public static string HashData(MhlHashFormat format, ReadOnlySpan<byte> data)
    {
        using var hasher = new MhlHasher(format);
        hasher.Append(data);
        return hasher.FinishString();
    }

    public void Dispose() => _crypto?.Dispose();
}

/// <summary>Digest bytes ↔ the strings ASC MHL stores (lowercase hex, or a C4 id).</summary>
public static class HashStrings
{
    public static string Format(MhlHashFormat format, ReadOnlySpan<byte> digest) =>
        format == MhlHashFormat.C4 ? C4Id.FromDigest(digest) : Convert.ToHexStringLower(digest);

    /// <summary>Decodes a hash string into its digest bytes; false when it is not a valid string of that format.</summary>
    public static bool TryParse(MhlHashFormat format, string text, out byte[] digest)
    {
        digest = new byte[format.DigestLength()];
        if (format == MhlHashFormat.C4)
        {
            return C4Id.TryDecode(text, digest);
        }

        if (text.Length != digest.Length * 2)
        {
            return false;
        }

        return Convert.FromHexString(text, digest, out _, out var written) == System.Buffers.OperationStatus.Done && written == digest.Length;
    }

    /// <summary>True when the text has the shape of a hash string of the format (length and alphabet).</summary>
    public static bool IsValid(MhlHashFormat format, string text) => TryParse(format, text, out _);
}
