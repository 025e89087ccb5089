using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using InterPositive.Catalog;
using InterPositive.Sync.Brokers;
using InterPositive.Sync.Publishing;
using InterPositive.Testing;
using InterPositive.Testing.Brokers;

namespace InterPositive.Sync.Tests;

[Trait("Category", "Integration")]
public sealed class TlsTests
{
    [Fact]
    public async Task The_upstream_link_uses_tls_with_ca_pinning_and_refuses_a_broker_that_does_not_match_the_pin()
    {
        using var certificate = SelfSigned("post-broker.test", out var keyPem);
        await using var broker = await MosquittoBroker.StartPrivateAsync(certificate.ExportCertificatePem(), keyPem);
        var tlsPort = broker.TlsPort!.Value;

        using var folder = new TempFolder();
        using var catalog = CatalogDatabase.Open(folder.Combine("catalog.db"), TimeProvider.System);
        SyncFixtures.AddEvents(catalog, 10);
        var pinned = BrokerEndpoint.Parse($"mqtts://cart-a:pa55word@127.0.0.1:{tlsPort}").With(null, [BrokerEndpoint.Fingerprint(certificate)]);
        Assert.Equal($"mqtts://cart-a:***@127.0.0.1:{tlsPort}", pinned.ToString());
        await using (var publisher = new OutboxPublisher(catalog, new PublisherOptions { Identity = SyncFixtures.Identity, Broker = pinned }, TimeProvider.System, SyncFixtures.Log))
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                Assert.Equal(10, await publisher.RunAsync(untilEmpty: true, bound.Token));
            }
            catch (OperationCanceledException)
            {
                Assert.Fail("TLS link never came up: " + publisher.Status().LastError);
            }
        }

        // Same broker, another pin (a man in the middle, or the wrong post house): nothing is sent.
        SyncFixtures.AddEvents(catalog, 5);
        var wrongPin = pinned.With(null, [new string('a', 64)]);
        await using (var publisher = new OutboxPublisher(catalog, new PublisherOptions { Identity = SyncFixtures.Identity, Broker = wrongPin, InitialBackoff = TimeSpan.FromMilliseconds(50) }, TimeProvider.System, SyncFixtures.Log))
        {
            using var give = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => publisher.RunAsync(untilEmpty: true, give.Token));
            Assert.Equal(5, publisher.Status().BacklogCount);
            Assert.NotNull(publisher.Status().LastError);
        }

        // Without a pin the self-signed certificate is not trusted either.
        var unpinned = BrokerEndpoint.Parse($"mqtts://cart-a:pa55word@127.0.0.1:{tlsPort}");
        Assert.False(unpinned.Validate(certificate, null, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Theory]
    [InlineData("mqtt://host", false, 1883)]
    [InlineData("mqtts://host", true, 8883)]
    [InlineData("mqtts://user:p%40ss@host:9999", true, 9999)]
    public void Broker_urls_parse_and_never_print_the_password(string url, bool tls, int port)
    {
        var endpoint = BrokerEndpoint.Parse(url);
        Assert.Equal((tls, port), (endpoint.UseTls, endpoint.Port));
        Assert.DoesNotContain("p@ss", endpoint.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("p%40ss", BrokerEndpoint.Redact(url), StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => BrokerEndpoint.Parse("http://host"));
    }

    private static X509Certificate2 SelfSigned(string name, out string keyPem)
    {
        using var key = RSA.Create(2048);
        keyPem = key.ExportPkcs8PrivateKeyPem();
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UnixEpoch.AddYears(50), DateTimeOffset.UnixEpoch.AddYears(80));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
