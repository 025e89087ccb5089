using System.Numerics;

namespace InterPositive.Formats.AscMhl;

/// <summary>
/// C4 ids (SMPTE ST 2114): "c4" followed by the SHA-512 digest as a base58 number, left-padded with '1'
/// (the alphabet's zero) to 90 characters in all.
/// </summary>
public static class C4Id
{
    public const int Length = 90;
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    /// <summary>The C4 id of a 64-byte SHA-512 digest.</summary>
    public static string FromDigest(ReadOnlySpan<byte> sha512)
    {
        if (sha512.Length != 64)
        {
            throw new ArgumentException("a C4 id is made from a 64-byte SHA-512 digest", nameof(sha512));
        }

        var value = new BigInteger(sha512, isUnsigned: true, isBigEndian: true);
        Span<char> text = stackalloc char[Length];
        text.Fill('1');
        text[0] = 'c';
        text[1] = '4';
        var position = Length - 1;
        var radix = new BigInteger(58);
        while (!value.IsZero && position >= 2)
        {
            value = BigInteger.DivRem(value, radix, out var remainder);
            text[position--] = Alphabet[(int)remainder];
        }

        return new string(text);
    }

    /// <summary>The C4 id of some bytes (SHA-512 then base58).</summary>
    public static string Of(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[64];
        System.Security.Cryptography.SHA512.HashData(data, digest);
        return FromDigest(digest);
    }

    /// <summary>The 64-byte SHA-512 digest a C4 id encodes; false when the text is not a C4 id.</summary>
    public static bool TryDecode(ReadOnlySpan<char> id, Span<byte> digest)
    {
        if (id.Length != Length || id[0] != 'c' || id[1] != '4' || digest.Length < 64)
        {
            return false;
        }

        var value = BigInteger.Zero;
        foreach (var c in id[2..])
        {
            var digit = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (digit < 0)
            {
                return false;
            }

            value = (value * 58) + digit;
        }

        if (value.GetByteCount(isUnsigned: true) > 64)
        {
            return false;
        }

        digest[..64].Clear();
        var count = value.GetByteCount(isUnsigned: true);
        return value.TryWriteBytes(digest.Slice(64 - count, count), out _, isUnsigned: true, isBigEndian: true);
    }
}
