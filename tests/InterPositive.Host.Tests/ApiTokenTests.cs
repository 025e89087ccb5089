using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using InterPositive.Host.Api;
using InterPositive.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace InterPositive.Host.Tests;

/// <summary>Tokens and sessions: hashes on disk, expiry on the service's clock, revocation with the token, HTTPS cookies, OpenAPI.</summary>
public sealed class ApiTokenTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    [Trait("Category", "Unit")]
    public void Sessions_expire_after_their_lifetime_and_die_with_their_token()
    {
        using var folder = new TempFolder();
        var time = new FakeTimeProvider(T0);
        var store = ApiTokenStore.LoadOrCreate(folder.Path, time, TimeSpan.FromHours(12), out var issued);
        Assert.NotNull(issued);
        var operatorId = store.Authenticate(issued.OperatorToken)!.Id;

        var session = store.RedeemSignIn(issued.SignInCode)!.Value;
        Assert.Null(store.RedeemSignIn(issued.SignInCode));
        Assert.Equal(T0.AddHours(12), session.Session.ExpiresAt);
        Assert.Equal(ApiRoles.Operator, store.RoleOf(session.Secret));
        time.Advance(TimeSpan.FromHours(12) - TimeSpan.FromSeconds(1));
        Assert.Equal(ApiRoles.Operator, store.RoleOf(session.Secret));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(store.RoleOf(session.Secret));

        // A fresh sign-in for the same token, then the token revoked: its session goes with it, at once.
        var again = store.Create(ApiRoles.ReadOnly, "tablet", signIn: true);
        var tablet = store.RedeemSignIn(again.SignInCode)!.Value;
        Assert.Equal(ApiRoles.ReadOnly, store.RoleOf(tablet.Secret));
        var removed = store.Revoke(again.Token.Id);
        Assert.Contains(removed, t => t.Kind == ApiTokenStore.SessionKind);
        Assert.Null(store.RoleOf(again.Secret));
        Assert.Null(store.RoleOf(tablet.Secret));
        Assert.Equal(ApiRoles.Operator, store.RoleOf(issued.OperatorToken));
        Assert.Empty(store.Revoke("no-such-id"));
        Assert.Equal(operatorId, ApiTokenStore.List(folder.Path, time).Single(t => t.Kind == ApiTokenStore.ApiKind && t.Role == ApiRoles.Operator).Id);

        // Hashes only, 0600; reloaded, the revocation holds.
        var file = ApiTokenStore.PathIn(folder.Path);
        var text = File.ReadAllText(file);
        Assert.DoesNotContain(issued.OperatorToken, text, StringComparison.Ordinal);
        Assert.DoesNotContain(again.Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(tablet.Secret, text, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var reloaded = ApiTokenStore.LoadOrCreate(folder.Path, time, TimeSpan.FromHours(1), out var none);
        Assert.Null(none);
        Assert.Null(reloaded.RoleOf(again.Secret));
        Assert.Equal(ApiRoles.ReadOnly, reloaded.RoleOf(issued.ReadOnlyToken));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void A_token_file_of_an_older_build_loses_its_never_expiring_sessions()
    {
        using var folder = new TempFolder();
        var hash = Convert.ToHexStringLower(SHA256.HashData("legacy-session"u8));
        var operatorHash = Convert.ToHexStringLower(SHA256.HashData("legacy-operator"u8));
        File.WriteAllText(ApiTokenStore.PathIn(folder.Path), $$"""
            {"tokens":[{"role":"operator","sha256":"{{operatorHash}}","kind":"api"},{"role":"operator","sha256":"{{hash}}","kind":"session"}],"signInCodes":[]}
            """);
        var store = ApiTokenStore.LoadOrCreate(folder.Path, new FakeTimeProvider(T0), TimeSpan.FromHours(12), out _);
        Assert.Null(store.RoleOf("legacy-session"));
        Assert.Equal(ApiRoles.Operator, store.RoleOf("legacy-operator"));
        Assert.Equal(operatorHash[..12], Assert.Single(store.List()).Id);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task The_service_expires_sessions_on_its_clock_and_revokes_them_with_their_token_over_the_API()
    {
        using var folder = new TempFolder();
        using var announcements = new StringWriter();
        var time = new FakeTimeProvider(T0);
        // Only the token store runs on the fake clock: the stages' timers would stall on it.
        await using var app = TestAppliance.Build(folder, announcements, new Dictionary<string, string?> { ["Dashboard:SessionLifetime"] = "02:00:00" }, services =>
            services.Replace(ServiceDescriptor.Singleton(provider => ApiTokenStore.LoadOrCreate(folder.Combine("data"), time, TimeSpan.FromHours(2), out _))));
        await app.StartAsync();
        try
        {
            using var handler = new HttpClientHandler { UseCookies = false };
            using var http = new HttpClient(handler) { BaseAddress = new Uri(TestAppliance.Address(app)) };
            var operatorToken = TestAppliance.FirstStart(folder, "operator token:");
            var readOnly = TestAppliance.FirstStart(folder, "read-only token:");

            // Sign-in with the first-start link: a cookie, not Secure over plain HTTP, as long as the session.
            var code = TestAppliance.FirstStart(folder, "#signin=");
            using var signIn = await http.PostAsync(new Uri($"/signin?code={code}", UriKind.Relative), null);
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
            var cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"));
            Assert.Contains("max-age=7200", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);
            var session = cookie.Split(';')[0];
            Assert.Equal(HttpStatusCode.OK, await Get(http, "/api/v1/cards", cookie: session));
            time.Advance(TimeSpan.FromHours(2));
            Assert.Equal(HttpStatusCode.Unauthorized, await Get(http, "/api/v1/cards", cookie: session));

            // Tokens over the API: operator only.
            Assert.Equal(HttpStatusCode.Forbidden, await Get(http, "/api/v1/tokens", bearer: readOnly));
            using var create = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/tokens", UriKind.Relative)) { Content = JsonContent.Create(new { role = "read-only", name = "tablet", signIn = true }) };
            create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", operatorToken);
            using var created = await http.SendAsync(create);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var json = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
            var id = json.RootElement.GetProperty("token").GetProperty("id").GetString()!;
            var secret = json.RootElement.GetProperty("secret").GetString()!;
            var tabletCode = json.RootElement.GetProperty("signInCode").GetString()!;
            Assert.Equal(HttpStatusCode.OK, await Get(http, "/api/v1/cards", bearer: secret));
            using var tabletSignIn = await http.PostAsync(new Uri($"/signin?code={tabletCode}", UriKind.Relative), null);
            var tabletSession = Assert.Single(tabletSignIn.Headers.GetValues("Set-Cookie")).Split(';')[0];
            Assert.Equal(HttpStatusCode.OK, await Get(http, "/api/v1/cards", cookie: tabletSession));

            Assert.Equal(HttpStatusCode.NotFound, await Send(http, HttpMethod.Delete, "/api/v1/tokens/nosuchid", operatorToken));
            Assert.Equal(HttpStatusCode.Forbidden, await Send(http, HttpMethod.Delete, $"/api/v1/tokens/{id}", readOnly));
            Assert.Equal(HttpStatusCode.OK, await Send(http, HttpMethod.Delete, $"/api/v1/tokens/{id}", operatorToken));
            Assert.Equal(HttpStatusCode.Unauthorized, await Get(http, "/api/v1/cards", bearer: secret));
            Assert.Equal(HttpStatusCode.Unauthorized, await Get(http, "/api/v1/cards", cookie: tabletSession));
            Assert.DoesNotContain(secret, await File.ReadAllTextAsync(ApiTokenStore.PathIn(folder.Combine("data"))), StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task The_OpenAPI_document_declares_the_bearer_scheme_and_the_refusals()
    {
        using var folder = new TempFolder();
        using var announcements = new StringWriter();
        await using var app = TestAppliance.Build(folder, announcements);
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(TestAppliance.Address(app)) };
            using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
            var root = document.RootElement;
            var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty(ApiSecurity.BearerScheme);
            Assert.Equal("http", scheme.GetProperty("type").GetString());
            Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());

            var paths = root.GetProperty("paths");
            foreach (var path in paths.EnumerateObject().Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal)))
            {
                foreach (var operation in path.Value.EnumerateObject())
                {
                    var responses = operation.Value.GetProperty("responses");
                    Assert.True(responses.TryGetProperty("401", out _), $"{operation.Name} {path.Name} declares no 401");
                    Assert.True(operation.Value.TryGetProperty("security", out var security) && security.GetArrayLength() > 0, $"{operation.Name} {path.Name} declares no security");
                    if (operation.Name != "get")
                    {
                        Assert.True(responses.TryGetProperty("403", out _), $"{operation.Name} {path.Name} declares no 403");
                    }
                }
            }

            Assert.True(paths.GetProperty("/api/v1/offload/jobs").GetProperty("post").GetProperty("responses").TryGetProperty("409", out _));
            Assert.True(paths.GetProperty("/api/v1/cards/{id}").GetProperty("get").GetProperty("responses").TryGetProperty("404", out _));
            Assert.True(paths.GetProperty("/api/v1/tokens/{id}").GetProperty("delete").GetProperty("responses").TryGetProperty("404", out _));
            Assert.False(paths.GetProperty("/signin").GetProperty("post").TryGetProperty("security", out _));
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Over_HTTPS_with_a_configured_certificate_the_session_cookie_is_Secure()
    {
        using var folder = new TempFolder();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=cart-a.set.lan", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("cart-a.set.lan");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(T0.AddDays(-1), T0.AddYears(10));
        await File.WriteAllTextAsync(folder.Combine("cert.pem"), certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(folder.Combine("key.pem"), key.ExportPkcs8PrivateKeyPem());

        using var announcements = new StringWriter();
        await using var app = TestAppliance.Build(folder, announcements, new Dictionary<string, string?>
        {
            ["Dashboard:Urls"] = "https://127.0.0.1:0",
            ["Dashboard:Certificate"] = folder.Combine("cert.pem"),
            ["Dashboard:CertificateKey"] = folder.Combine("key.pem"),
        });
        await app.StartAsync();
        try
        {
            var address = TestAppliance.Address(app);
            Assert.StartsWith("https://", address, StringComparison.Ordinal);
            using var handler = new HttpClientHandler
            {
                UseCookies = false,
                // Trust exactly the certificate this test made.
                ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == certificate.Thumbprint,
            };
            using var http = new HttpClient(handler) { BaseAddress = new Uri(address) };
            var code = TestAppliance.FirstStart(folder, "#signin=");
            using var signIn = await http.PostAsync(new Uri($"/signin?code={code}", UriKind.Relative), null);
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
            var cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"));
            Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(HttpStatusCode.OK, await Get(http, "/api/v1/cards", cookie: cookie.Split(';')[0]));
            Assert.Equal(HttpStatusCode.Unauthorized, await Get(http, "/api/v1/cards"));
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void An_https_url_without_a_certificate_is_refused_at_start()
    {
        using var folder = new TempFolder();
        using var announcements = new StringWriter();
        var error = Assert.Throws<InvalidDataException>(() => TestAppliance.Build(folder, announcements, new Dictionary<string, string?> { ["Dashboard:Urls"] = "https://127.0.0.1:0" }));
        Assert.Contains("Dashboard:Certificate", error.Message, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> Get(HttpClient http, string path, string? bearer = null, string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> Send(HttpClient http, HttpMethod method, string path, string bearer)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
