using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using InterPositive.Catalog;

namespace InterPositive.Host.Api;

/// <summary>The roles a token can carry: read-only sees everything, the operator may also change things.</summary>
public static class ApiRoles
{
    public const string ReadOnly = "read-only";
    public const string Operator = "operator";

    public static bool IsRole(string? role) => role is ReadOnly or Operator;
}

/// <summary>Tokens made at first start: shown once, stored only as hashes in DATA/api-tokens.json (mode 0600).</summary>
public sealed record IssuedTokens(string OperatorToken, string ReadOnlyToken, string SignInCode);

/// <summary>A token as listed (never its secret): sessions and sign-in codes name the token they belong to.</summary>
public sealed record TokenInfo(string Id, string Kind, string Role, string? Name, string? Parent, DateTimeOffset? CreatedAt, DateTimeOffset? ExpiresAt);

/// <summary>A token just made: its secret is in this answer and nowhere else.</summary>
public sealed record CreatedToken(TokenInfo Token, string Secret, string? SignInCode);

/// <summary>
/// API tokens of the appliance. Only SHA-256 hashes are kept on disk, so a copied data folder does not leak a usable
/// token. A one-time sign-in code lets the DIT open the dashboard on a tablet without typing a token: redeeming it
/// mints a session that expires (12 h unless configured) and dies with the token the code was made for.
/// The service, the <c>tokens</c> verb and the tokens API all change tokens through this one class.
/// </summary>
public sealed class ApiTokenStore
{
    public const string FileName = "api-tokens.json";

    /// <summary>Plaintext of the first-start tokens, 0600, for a service started where no terminal shows them (systemd).</summary>
    public const string FirstStartFileName = "first-start-tokens.txt";

    public const string ApiKind = "api";
    public const string SessionKind = "session";
    public const string SignInKind = "signin";

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly TokenFile _file;

    private ApiTokenStore(string path, TokenFile file, TimeProvider time, TimeSpan sessionLifetime)
    {
        _path = path;
        _file = file;
        _time = time;
        SessionLifetime = sessionLifetime;
    }

    /// <summary>How long a dashboard session lasts after sign-in.</summary>
    public TimeSpan SessionLifetime { get; }

    /// <summary>The token file of a data folder.</summary>
    public static string PathIn(string dataFolder) => Path.Combine(dataFolder, FileName);

    /// <summary>
    /// Loads the token file, creating it (and returning the new plaintext tokens once) when absent. Sessions of an older
    /// file that never expired are dropped; entries without an id get one from their hash.
    /// </summary>
    public static ApiTokenStore LoadOrCreate(string dataFolder, TimeProvider time, TimeSpan sessionLifetime, out IssuedTokens? issued)
    {
        CatalogFiles.CreateFolder(dataFolder);
        var path = PathIn(dataFolder);
        if (File.Exists(path))
        {
            issued = null;
            var store = new ApiTokenStore(path, Read(path), time, sessionLifetime);
            store.Upgrade();
            return store;
        }

        issued = new IssuedTokens(NewSecret(), NewSecret(), NewSecret());
        var now = time.GetUtcNow();
        var operatorEntry = NewEntry(issued.OperatorToken, ApiKind, ApiRoles.Operator, "first start", null, now, null);
        var file = new TokenFile
        {
            Tokens =
            [
                operatorEntry,
                NewEntry(issued.ReadOnlyToken, ApiKind, ApiRoles.ReadOnly, "first start", null, now, null),
                NewEntry(issued.SignInCode, SignInKind, ApiRoles.Operator, "first start", operatorEntry.Id, now, null),
            ],
        };
        var created = new ApiTokenStore(path, file, time, sessionLifetime);
        created.Save();
        return created;
    }

    /// <summary>Reads a token file without taking it for writing (the <c>tokens list</c> path).</summary>
    public static IReadOnlyList<TokenInfo> List(string dataFolder, TimeProvider time)
    {
        var path = PathIn(dataFolder);
        if (!File.Exists(path))
        {
            return [];
        }

        var now = time.GetUtcNow();
        return [.. Read(path).Tokens.Where(t => !Expired(t, now)).Select(Info)];
    }

    /// <summary>The role of a presented API or session token, or null when unknown, expired or revoked.</summary>
    public string? RoleOf(string? token) => Authenticate(token)?.Role;

    /// <summary>The token a presented secret stands for (API tokens and live sessions only; sign-in codes are not tokens).</summary>
    public TokenInfo? Authenticate(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 256)
        {
            return null;
        }

        var hash = Encoding.ASCII.GetBytes(Hash(token));
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            foreach (var entry in _file.Tokens)
            {
                if (entry.Kind is ApiKind or SessionKind
                    && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(entry.Sha256), hash))
                {
                    return Expired(entry, now) ? null : Info(entry);
                }
            }
        }

        return null;
    }

    /// <summary>Every token, session and unused sign-in code (without secrets).</summary>
    public IReadOnlyList<TokenInfo> List()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            return [.. _file.Tokens.Where(t => !Expired(t, now)).Select(Info)];
        }
    }

    /// <summary>
    /// Makes an API token (and, with <paramref name="signIn"/>, a one-time dashboard sign-in code for it). The secrets
    /// are returned once; only their hashes are saved.
    /// </summary>
    public CreatedToken Create(string role, string? name, bool signIn)
    {
        if (!ApiRoles.IsRole(role))
        {
            throw new ArgumentException($"role '{role}' is neither {ApiRoles.Operator} nor {ApiRoles.ReadOnly}", nameof(role));
        }

        var secret = NewSecret();
        var code = signIn ? NewSecret() : null;
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var entry = NewEntry(secret, ApiKind, role, name, null, now, null);
            _file.Tokens.Add(entry);
            if (code is not null)
            {
                _file.Tokens.Add(NewEntry(code, SignInKind, role, name, entry.Id, now, null));
            }

            Save();
            return new CreatedToken(Info(entry), secret, code);
        }
    }

    /// <summary>
    /// Revokes a token, session or sign-in code by id, with every session and sign-in code made from it; returns what
    /// was removed (empty when the id is unknown).
    /// </summary>
    public IReadOnlyList<TokenInfo> Revoke(string id)
    {
        lock (_gate)
        {
            var removed = _file.Tokens.Where(t => t.Id == id || t.Parent == id).ToList();
            if (removed.Count == 0)
            {
                return [];
            }

            _file.Tokens.RemoveAll(removed.Contains);
            Save();
            return removed.ConvertAll(Info);
        }
    }

    /// <summary>
    /// Redeems a one-time sign-in code for a session token of the code's role, valid for <see cref="SessionLifetime"/>
    /// and revoked with the token the code was made for; null when the code is unknown or already used.
    /// </summary>
    public (string Secret, TokenInfo Session)? RedeemSignIn(string? code)
    {
        if (string.IsNullOrEmpty(code) || code.Length > 256)
        {
            return null;
        }

        var hash = Hash(code);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var entry = _file.Tokens.Find(t => t.Kind == SignInKind && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(t.Sha256), Encoding.ASCII.GetBytes(hash)));
            if (entry is null)
            {
                return null;
            }

            _file.Tokens.Remove(entry);
            _file.Tokens.RemoveAll(t => Expired(t, now));
            var secret = NewSecret();
            var session = NewEntry(secret, SessionKind, entry.Role, entry.Name, entry.Parent, now, now + SessionLifetime);
            _file.Tokens.Add(session);
            Save();
            return (secret, Info(session));
        }
    }

    /// <summary>Writes the first-start tokens to a 0600 file in the data folder: where a service under systemd puts them.</summary>
    public static string WriteFirstStartFile(string dataFolder, IssuedTokens issued, string signInUrl)
    {
        var path = Path.Combine(dataFolder, FirstStartFileName);
        WritePrivate(path, Encoding.UTF8.GetBytes(string.Join('\n', FirstStartLines(issued, signInUrl)) + "\n"));
        return path;
    }

    /// <summary>The lines that show the first-start tokens (on a terminal, and in the first-start file).</summary>
    public static IReadOnlyList<string> FirstStartLines(IssuedTokens issued, string signInUrl) =>
    [
        "First start: these tokens are shown once and stored only as hashes (delete this file once they are copied).",
        $"  operator token:  {issued.OperatorToken}",
        $"  read-only token: {issued.ReadOnlyToken}",
        $"  dashboard sign-in (one time): {signInUrl}/#signin={issued.SignInCode}",
    ];

    private void Upgrade()
    {
        var changed = false;
        foreach (var entry in _file.Tokens.Where(t => string.IsNullOrEmpty(t.Id)))
        {
            entry.Id = entry.Sha256[..12];
            changed = true;
        }

        // Sessions of older builds never expired: they are the hole this closes.
        changed |= _file.Tokens.RemoveAll(t => t.Kind == SessionKind && t.ExpiresAt is null) > 0;
        if (changed)
        {
            Save();
        }
    }

    private static bool Expired(TokenEntry entry, DateTimeOffset now) => entry.ExpiresAt is { } expires && expires <= now;

    private static TokenInfo Info(TokenEntry entry) => new(entry.Id, entry.Kind, entry.Role, entry.Name, entry.Parent, entry.CreatedAt, entry.ExpiresAt);

    private static TokenEntry NewEntry(string secret, string kind, string role, string? name, string? parent, DateTimeOffset now, DateTimeOffset? expires) => new()
    {
        Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)),
        Kind = kind,
        Role = role,
        Name = name,
        Parent = parent,
        Sha256 = Hash(secret),
        CreatedAt = now,
        ExpiresAt = expires,
    };

    private static TokenFile Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), TokenJsonContext.Default.TokenFile)
                ?? throw new InvalidDataException($"{path}: empty token file");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{path}: not a token file ({error.Message})", error);
        }
    }

    private void Save() => WritePrivate(_path, JsonSerializer.SerializeToUtf8Bytes(_file, TokenJsonContext.Default.TokenFile));

    /// <summary>Writes a 0600 file through a temporary name and a rename, synced, so a crash leaves the old or the new one.</summary>
    private static void WritePrivate(string path, byte[] content)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = CatalogFiles.FileMode,
        }))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.SetUnixFileMode(temp, CatalogFiles.FileMode);
        File.Move(temp, path, overwrite: true);
    }

    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    internal sealed class TokenFile
    {
        public List<TokenEntry> Tokens { get; set; } = [];
    }

    internal sealed class TokenEntry
    {
        public string Id { get; set; } = "";

        public string Kind { get; set; } = "";

        public string Role { get; set; } = "";

        public string? Name { get; set; }

        /// <summary>For sessions and sign-in codes: the id of the API token they were made from.</summary>
        public string? Parent { get; set; }

        public string Sha256 { get; set; } = "";

        public DateTimeOffset? CreatedAt { get; set; }

        public DateTimeOffset? ExpiresAt { get; set; }
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApiTokenStore.TokenFile))]
internal sealed partial class TokenJsonContext : JsonSerializerContext;
