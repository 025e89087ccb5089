using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using InterPositive.Sync.Brokers;
using InterPositive.Testing;
using InterPositive.Testing.Brokers;
using MQTTnet;
using MQTTnet.Protocol;

namespace InterPositive.Sync.Tests;

/// <summary>
/// The shipped post-house Mosquitto configuration and ACL (deploy/) on a real Mosquitto, with client certificates named
/// as the ACL says (appliances <c>CN={production}/{unit}/{appliance}</c>, receivers <c>CN=post:{production}</c>): the
/// contract's topics pass, one appliance cannot publish as another or into another unit or production, and a receiver
/// reads only its own production.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class MosquittoPostAclTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_shipped_acl_passes_the_contract_topics_and_denies_impersonation_and_cross_production_reads()
    {
        using var folder = new TempFolder("mosquitto-acl");
        await using var post = await PostHouse.StartAsync(folder);

        using var receiver = await post.ConnectAsync("post:feature");
        using var commercialReceiver = await post.ConnectAsync("post:commercial");
        using var cartA = await post.ConnectAsync("feature/main/cart-a");
        using var cartB = await post.ConnectAsync("feature/main/cart-b");
        using var cartC = await post.ConnectAsync("commercial/main/cart-c");

        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await receiver.SubscribeAsync("interpositive/v1/feature/+/+/#"));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await commercialReceiver.SubscribeAsync("$share/post/interpositive/v1/commercial/+/+/#"));

        // The feature receiver trying to read more than its production, on a connection of its own (overlapping
        // subscriptions would deliver copies): Mosquitto may grant a wildcard but delivers only what the ACL lets it read.
        using var snoop = await post.ConnectAsync("post:feature");
        foreach (var filter in (string[])["#", "interpositive/v1/commercial/#", "interpositive/v1/+/main/#", "$share/snoop/interpositive/v1/commercial/#", "interpositive/v1/feature/main/cart-a/#"])
        {
            await snoop.SubscribeAsync(filter);
        }

        // Every topic of the contract, as cart-a's own publisher sends them.
        string[] own =
        [
            "interpositive/v1/feature/main/cart-a/shots/A002R2EC%2FA002C006_141024_R2EC",
            "interpositive/v1/feature/main/cart-a/cards/A002R2EC",
            "interpositive/v1/feature/main/cart-a/events/offload-finished",
            "interpositive/v1/feature/main/cart-a/status",
        ];
        foreach (var topic in own)
        {
            Assert.Equal(MqttClientPublishReasonCode.Success, (await cartA.Client.PublishAsync(Message(topic, "own"))).ReasonCode);
        }

        // Impersonation (cart-b as cart-a), another unit, another production, the root: all refused. Mosquitto 2.0.11
        // closes an MQTT 5 connection right after a denied PUBACK, so each try has a connection of its own.
        string[] forged = ["interpositive/v1/feature/main/cart-a/cards/A002R2EC", "interpositive/v1/feature/main/cart-a/status"];
        foreach (var topic in forged)
        {
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await post.DeniedPublishAsync("feature/main/cart-b", topic));
        }

        foreach (var topic in (string[])["interpositive/v1/feature/second/cart-a/status", "interpositive/v1/commercial/main/cart-a/status", "interpositive/v1/feature/main/status", "interpositive/v1/feature"])
        {
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await post.DeniedPublishAsync("feature/main/cart-a", topic));
        }

        // A receiver publishes nothing.
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await post.DeniedPublishAsync("post:feature", own[1]));

        // Another production's appliance: its receiver gets it, the feature receiver does not.
        Assert.Equal(MqttClientPublishReasonCode.Success, (await cartC.Client.PublishAsync(Message("interpositive/v1/commercial/main/cart-c/cards/B001", "commercial"))).ReasonCode);
        await commercialReceiver.WaitForAsync("commercial");

        // A last message from cart-a: once it arrives, everything accepted before it has arrived too.
        Assert.Equal(MqttClientPublishReasonCode.Success, (await cartA.Client.PublishAsync(Message(own[2], "marker"))).ReasonCode);
        await receiver.WaitForAsync("marker");
        Assert.Equal([.. own.Select(t => t + " own"), own[2] + " marker"], receiver.Received());
        Assert.All(receiver.Received(), m => Assert.DoesNotContain("forged", m, StringComparison.Ordinal));
        await snoop.WaitForAsync("marker");
        Assert.All(snoop.Received(), m => Assert.DoesNotContain("commercial", m, StringComparison.Ordinal));
        Assert.All(snoop.Received(), m => Assert.DoesNotContain("forged", m, StringComparison.Ordinal));

        // cart-b may not read cart-a's topics either: appliances read back only their own.
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await cartB.SubscribeAsync("interpositive/v1/feature/main/cart-b/#"));
        await cartB.SubscribeAsync("interpositive/v1/feature/main/cart-a/#");
        Assert.Equal(MqttClientPublishReasonCode.Success, (await cartA.Client.PublishAsync(Message(own[1], "after"))).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await cartB.Client.PublishAsync(Message("interpositive/v1/feature/main/cart-b/status", "cart-b marker"))).ReasonCode);
        await cartB.WaitForAsync("cart-b marker");
        Assert.DoesNotContain(cartB.Received(), m => m.StartsWith("interpositive/v1/feature/main/cart-a/", StringComparison.Ordinal));
    }

    private static MqttApplicationMessage Message(string topic, string payload) => new MqttApplicationMessageBuilder()
        .WithTopic(topic)
        .WithPayload(Encoding.UTF8.GetBytes(payload))
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();

    [GeneratedRegex(@"^(listener)\s+\d+\s*$", RegexOptions.Multiline)]
    private static partial Regex ListenerLine();

    /// <summary>A Mosquitto run from deploy/mosquitto-post-bridge.conf and deploy/mosquitto-post.acl, with a test CA.</summary>
    private sealed class PostHouse : IAsyncDisposable
    {
        private readonly X509Certificate2 _ca;
        private readonly X509Certificate2 _server;
        private readonly Process _process;

        private PostHouse(X509Certificate2 ca, X509Certificate2 server, Process process, int port)
        {
            _ca = ca;
            _server = server;
            _process = process;
            Port = port;
        }

        public int Port { get; }

        public static async Task<PostHouse> StartAsync(TempFolder folder)
        {
            using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var caRequest = new CertificateRequest("CN=InterPositive test post-house CA", caKey, HashAlgorithmName.SHA256);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            var ca = caRequest.CreateSelfSigned(DateTimeOffset.UnixEpoch.AddYears(50), DateTimeOffset.UnixEpoch.AddYears(100));
            var server = Issue(ca, "127.0.0.1", serverAuth: true, out var serverKeyPem);
            await File.WriteAllTextAsync(folder.Combine("ca.crt"), ca.ExportCertificatePem());
            await File.WriteAllTextAsync(folder.Combine("server.crt"), server.ExportCertificatePem());
            await File.WriteAllTextAsync(folder.Combine("server.key"), serverKeyPem);

            // The shipped ACL as is, plus the receiver block a post house adds for its second production.
            var acl = await File.ReadAllTextAsync(SharedDeploy("mosquitto-post.acl"));
            await File.WriteAllTextAsync(folder.Combine("interpositive.acl"), acl + "\nuser post:commercial\ntopic read interpositive/v1/commercial/#\n");

            // The shipped configuration with this machine's paths and a free loopback port, without the bridge (no central broker here).
            var port = LoopbackPort.Free();
            var shipped = await File.ReadAllTextAsync(SharedDeploy("mosquitto-post-bridge.conf"));
            var config = shipped[..shipped.IndexOf("\nconnection ", StringComparison.Ordinal)]
                .Replace("/etc/mosquitto/certs/", folder.Path + "/", StringComparison.Ordinal)
                .Replace("/var/lib/mosquitto/", folder.Path + "/", StringComparison.Ordinal)
                .Replace("/etc/mosquitto/interpositive.acl", folder.Combine("interpositive.acl"), StringComparison.Ordinal);
            config = ListenerLine().Replace(config, $"listener {port} 127.0.0.1");
            config += $"\nlog_dest file {folder.Combine("mosquitto.log")}\n{(Environment.UserName == "root" ? "user root" : "")}\n";
            await File.WriteAllTextAsync(folder.Combine("mosquitto.conf"), config);

            var start = new ProcessStartInfo(MosquittoBroker.Executable) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(folder.Combine("mosquitto.conf"));
            var process = Process.Start(start) ?? throw new InvalidOperationException("mosquitto did not start");
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            var house = new PostHouse(ca, server, process, port);
            await LoopbackPort.WaitForListenerAsync(port, Bound, () => File.Exists(folder.Combine("mosquitto.log")) ? File.ReadAllText(folder.Combine("mosquitto.log")) : "");
            return house;
        }

        /// <summary>Connects with a client certificate whose CN is <paramref name="commonName"/>.</summary>
        public async Task<AclClient> ConnectAsync(string commonName)
        {
            using var issued = Issue(_ca, commonName, serverAuth: false, out var keyPem);
            // Through PKCS#12, as BrokerEndpoint.LoadClientCertificate does: SslStream wants a persisted key on Linux.
            using var pem = X509Certificate2.CreateFromPem(issued.ExportCertificatePem(), keyPem);
            var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            var endpoint = BrokerEndpoint.Parse($"mqtts://127.0.0.1:{Port}").With(certificate, [BrokerEndpoint.Fingerprint(_server)]);
            var client = new AclClient(new MqttClientFactory().CreateMqttClient(), certificate);
            var result = await client.Client.ConnectAsync(endpoint.CreateOptions(commonName.Replace('/', '-').Replace(':', '-') + "-" + Guid.NewGuid().ToString("N")[..6]).Build());
            Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
            return client;
        }

        /// <summary>One publish on a fresh connection as <paramref name="commonName"/>; its PUBACK reason.</summary>
        public async Task<MqttClientPublishReasonCode> DeniedPublishAsync(string commonName, string topic)
        {
            using var client = await ConnectAsync(commonName);
            return (await client.Client.PublishAsync(Message(topic, "forged"))).ReasonCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            _server.Dispose();
            _ca.Dispose();
        }

        private static X509Certificate2 Issue(X509Certificate2 ca, string commonName, bool serverAuth, out string keyPem)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var name = new X500DistinguishedNameBuilder();
            name.AddCommonName(commonName);
            var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
            if (serverAuth)
            {
                var san = new SubjectAlternativeNameBuilder();
                san.AddIpAddress(System.Net.IPAddress.Loopback);
                request.CertificateExtensions.Add(san.Build());
            }

            var serial = RandomNumberGenerator.GetBytes(12);
            using var issuerKey = ca.GetECDsaPrivateKey()!;
            var generator = X509SignatureGenerator.CreateForECDsa(issuerKey);
            var issued = request.Create(ca.SubjectName, generator, ca.NotBefore, ca.NotAfter, serial);
            keyPem = key.ExportPkcs8PrivateKeyPem();
            return issued;
        }

        /// <summary>The repository's deploy/ folder, found upwards from the test binaries.</summary>
        private static string SharedDeploy(string file)
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "deploy", file);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new FileNotFoundException("deploy/" + file + " not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>A connected client and what it received ("topic payload").</summary>
    private sealed class AclClient : IDisposable
    {
        private readonly List<string> _received = [];
        private readonly X509Certificate2 _certificate;

        public AclClient(IMqttClient client, X509Certificate2 certificate)
        {
            Client = client;
            _certificate = certificate;
            client.ApplicationMessageReceivedAsync += e =>
            {
                lock (_received)
                {
                    _received.Add(e.ApplicationMessage.Topic + " " + Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
                }

                return Task.CompletedTask;
            };
        }

        public IMqttClient Client { get; }

        public string[] Received()
        {
            lock (_received)
            {
                return [.. _received];
            }
        }

        public async Task<MqttClientSubscribeResultCode> SubscribeAsync(string filter) =>
            (await Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build())).Items.Single().ResultCode;

        public Task WaitForAsync(string payload) => SyncFixtures.WaitUntilAsync(
            () => Task.FromResult(Received().Any(m => m.EndsWith(" " + payload, StringComparison.Ordinal))),
            Bound,
            () => Task.FromResult($"'{payload}' not received; got: {string.Join(" | ", Received())}"));

        public void Dispose()
        {
            Client.Dispose();
            _certificate.Dispose();
        }
    }
}
