using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace InterPositive.Host.Api;

/// <summary>The roles a token can carry: read-only sees everything, the operator may also change things.</summary>
public static class ApiRoles
{
    public const string ReadOnly = "read-only";
    public const string Operator = "operator";
}

/// <summary>Tokens made at first start; printed once, stored only as hashes in DATA/api-tokens.json (mode 0600).</summary>
public sealed record IssuedTokens(string OperatorToken, string ReadOnlyToken, string SignInCode);

/// <summary>
/// API tokens of the appliance. Only SHA-256 hashes are kept on disk, so a copied data folder does not leak a
/// usable token; the plaintext is shown once, at first start. A one-time sign-in code lets the DIT open the
/// dashboard on a tablet without typing a token: redeeming it mints a session token for a cookie.
/// </summary>
public sealed class ApiTokenStore
{
    public const string FileName = "api-tokens.json";

    private readonly string _path;
    private readonly Lock _gate = new();
    private readonly TokenFile _file;

    private ApiTokenStore(string path, TokenFile file)
    {
        _path = path;
        _file = file;
    }

    /// <summary>Loads the token file, creating it (and returning the new plaintext tokens once) when absent.</summary>
    public static ApiTokenStore LoadOrCreate(string dataFolder, out IssuedTokens? issued)
    {
        Directory.CreateDirectory(dataFolder);
        var path = Path.Combine(dataFolder, FileName);
        if (File.Exists(path))
        {
            issued = null;
            var existing = JsonSerializer.Deserialize(File.ReadAllText(path), TokenJsonContext.Default.TokenFile)
                ?? throw new InvalidDataException($"{path}: empty token file");
            return new ApiTokenStore(path, existing);
        }

        issued = new IssuedTokens(NewSecret(), NewSecret(), NewSecret());
        var file = new TokenFile
        {
            Tokens =
            [
                new TokenEntry { Role = ApiRoles.Operator, Sha256 = Hash(issued.OperatorToken), Kind = "api" },
                new TokenEntry { Role = ApiRoles.ReadOnly, Sha256 = Hash(issued.ReadOnlyToken), Kind = "api" },
            ],
            SignInCodes = [Hash(issued.SignInCode)],
        };
        var store = new ApiTokenStore(path, file);
        store.Save();
        return store;
    }

    /// <summary>The role of a presented token, or null when it is not one of ours.</summary>
    public string? RoleOf(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        var hash = Hash(token);
        lock (_gate)
        {
            foreach (var entry in _file.Tokens)
            {
                if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(entry.Sha256), Encoding.ASCII.GetBytes(hash)))
                {
                    return entry.Role;
                }
            }
        }

        return null;
    }

    /// <summary>Redeems a one-time sign-in code for an operator session token; null when unknown or already used.</summary>
    public string? RedeemSignIn(string code)
    {
        var hash = Hash(code);
        lock (_gate)
        {
            if (!_file.SignInCodes.Remove(hash))
            {
                return null;
            }

            var session = NewSecret();
            _file.Tokens.Add(new TokenEntry { Role = ApiRoles.Operator, Sha256 = Hash(session), Kind = "session" });
            Save();
            return session;
        }
    }

    private void Save()
    {
        var temp = _path + ".tmp";
        using (var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            JsonSerializer.Serialize(stream, _file, TokenJsonContext.Default.TokenFile);
            stream.Flush(flushToDisk: true);
        }

        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, _path, overwrite: true);
    }

    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    internal sealed class TokenFile
    {
        public List<TokenEntry> Tokens { get; set; } = [];

        public List<string> SignInCodes { get; set; } = [];
    }

    internal sealed class TokenEntry
    {
        public string Role { get; set; } = "";

        public string Sha256 { get; set; } = "";

        public string Kind { get; set; } = "";
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ApiTokenStore.TokenFile))]
internal sealed partial class TokenJsonContext : JsonSerializerContext;
