using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;

namespace InterPositive.Sync.Brokers;

/// <summary>
/// Where a broker is and how to reach it: <c>mqtt://host[:1883]</c> or <c>mqtts://host[:8883]</c>, optional
/// <c>user:password@</c> in the URL or given apart, a client certificate (PKCS#12 or PEM cert+key) and CA pinning by
/// the SHA-256 of the broker's (or its issuer's) certificate. <see cref="ToString"/> never shows the password.
/// </summary>
public sealed class BrokerEndpoint
{
    private BrokerEndpoint(string host, int port, bool tls)
    {
        Host = host;
        Port = port;
        UseTls = tls;
    }

    public string Host { get; }

    public int Port { get; }

    public bool UseTls { get; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>Client certificate with its private key, for brokers that authenticate clients by certificate.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>
    /// SHA-256 fingerprints (hex, colons allowed) of certificates to trust: the broker's own or any in its chain.
    /// When set, the chain must contain one of them; the system trust store is not enough.
    /// </summary>
    public IReadOnlyList<string> PinnedSha256 { get; init; } = [];

    /// <summary>Accept a broker certificate that the system does not trust, provided it matches a pin.</summary>
    public bool AllowUntrustedWhenPinned { get; init; } = true;

    /// <summary>A copy with a client certificate and CA pins.</summary>
    public BrokerEndpoint With(X509Certificate2? clientCertificate, IReadOnlyList<string> pins) => new(Host, Port, UseTls)
    {
        Username = Username,
        Password = Password,
        ClientCertificate = clientCertificate ?? ClientCertificate,
        PinnedSha256 = pins.Count > 0 ? pins : PinnedSha256,
        AllowUntrustedWhenPinned = AllowUntrustedWhenPinned,
    };

    /// <summary>Parses a broker URL. Throws <see cref="FormatException"/> with a one-line reason.</summary>
    public static BrokerEndpoint Parse(string url, string? username = null, string? password = null)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException($"broker '{Redact(url)}': not a URL (mqtt://host[:port] or mqtts://host[:port])");
        }

        var tls = uri.Scheme switch
        {
            "mqtt" or "tcp" => false,
            "mqtts" or "ssl" => true,
            _ => throw new FormatException($"broker '{Redact(url)}': scheme must be mqtt or mqtts"),
        };
        var port = uri.IsDefaultPort || uri.Port <= 0 ? (tls ? 8883 : 1883) : uri.Port;
        string? user = username;
        string? pass = password;
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            user ??= Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            pass ??= colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }

        // Uri keeps an IPv6 literal in brackets; the socket layer wants the bare address.
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        return new BrokerEndpoint(host, port, tls) { Username = user, Password = pass };
    }

    /// <summary>Loads a client certificate: a .pfx/.p12 (with an optional password) or a PEM certificate and key.</summary>
    public static X509Certificate2 LoadClientCertificate(string path, string? keyPathOrPassword)
    {
        var extension = Path.GetExtension(path).ToUpperInvariant();
        if (extension is ".PFX" or ".P12")
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, keyPathOrPassword);
        }

        using var pem = X509Certificate2.CreateFromPemFile(path, keyPathOrPassword);
        // Export and reload so the key is usable by SslStream on Linux (ephemeral PEM keys are not).
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Client options for MQTT 5 with this endpoint's credentials and TLS settings.</summary>
    public MqttClientOptionsBuilder CreateOptions(string clientId)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(Host, Port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15));
        if (Username is not null)
        {
            builder = builder.WithCredentials(Username, Password);
        }

        if (UseTls)
        {
            builder = builder.WithTlsOptions(tls =>
            {
                tls.UseTls();
                if (ClientCertificate is not null)
                {
                    tls.WithClientCertificates([ClientCertificate]);
                }

                tls.WithCertificateValidationHandler(context => Validate(context.Certificate, context.Chain, context.SslPolicyErrors));
            });
        }

        return builder;
    }

    /// <summary>The endpoint without credentials, for logs.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{(UseTls ? "mqtts" : "mqtt")}://{(Username is null ? "" : Username + ":***@")}{(Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host)}:{Port}");

    /// <summary>Removes a password from a URL before it goes into a message.</summary>
    public static string Redact(string url)
    {
        var at = url.IndexOf('@', StringComparison.Ordinal);
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (at < 0 || scheme < 0 || at < scheme)
        {
            return url;
        }

        var userInfo = url[(scheme + 3)..at];
        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? url : string.Concat(url.AsSpan(0, scheme + 3), userInfo.AsSpan(0, colon), ":***", url.AsSpan(at));
    }

    internal bool Validate(X509Certificate? certificate, X509Chain? chain, System.Net.Security.SslPolicyErrors errors)
    {
        if (PinnedSha256.Count == 0)
        {
            return errors == System.Net.Security.SslPolicyErrors.None;
        }

        if (certificate is null)
        {
            return false;
        }

        var pins = PinnedSha256.Select(NormalisePin).ToHashSet(StringComparer.Ordinal);
        using var leaf = new X509Certificate2(certificate);
        var matched = pins.Contains(Fingerprint(leaf))
            || (chain?.ChainElements.Any(element => pins.Contains(Fingerprint(element.Certificate))) ?? false);
        if (!matched)
        {
            return false;
        }

        // A pinned certificate is trusted by the pin; a name mismatch is still refused.
        var remaining = errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors;
        return AllowUntrustedWhenPinned ? remaining == System.Net.Security.SslPolicyErrors.None : errors == System.Net.Security.SslPolicyErrors.None;
    }

    /// <summary>SHA-256 of the DER certificate, lower-case hex.</summary>
    public static string Fingerprint(X509Certificate2 certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));

    private static string NormalisePin(string pin) => pin.Replace(":", "", StringComparison.Ordinal).Trim().ToLowerInvariant();
}
