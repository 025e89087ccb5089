using System.Net;
using System.Net.Http.Headers;
using InterPositive.Testing;
using Microsoft.AspNetCore.Builder;

namespace InterPositive.Host.Tests;

[Trait("Category", "Integration")]
public sealed class ServiceTests
{
    [Fact]
    public async Task The_service_starts_without_configuration_and_the_API_refuses_requests_without_a_token()
    {
        using var folder = new TempFolder();
        using var announcements = new StringWriter();
        await using var app = TestAppliance.Build(folder, announcements);
        await app.StartAsync();
        try
        {
            var address = TestAppliance.Address(app);
            using var http = new HttpClient { BaseAddress = new Uri(address) };

            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/api/v1/cards", UriKind.Relative))).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);

            var lines = announcements.ToString().Split('\n');
            var operatorToken = lines.Single(l => l.Contains("operator token:", StringComparison.Ordinal)).Split(':')[1].Trim();
            var readOnlyToken = lines.Single(l => l.Contains("read-only token:", StringComparison.Ordinal)).Split(':')[1].Trim();

            using var read = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/cards", UriKind.Relative));
            read.Headers.Authorization = new AuthenticationHeaderValue("Bearer", readOnlyToken);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(read)).StatusCode);

            using var write = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/cards", UriKind.Relative));
            write.Headers.Authorization = new AuthenticationHeaderValue("Bearer", readOnlyToken);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(write)).StatusCode);

            using var metrics = new HttpRequestMessage(HttpMethod.Get, new Uri("/metrics", UriKind.Relative));
            metrics.Headers.Authorization = new AuthenticationHeaderValue("Bearer", operatorToken);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(metrics)).StatusCode);

            var tokenFile = Path.Combine(folder.Combine("data"), "api-tokens.json");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
            Assert.DoesNotContain(operatorToken, await File.ReadAllTextAsync(tokenFile), StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task The_one_time_sign_in_code_works_once()
    {
        using var folder = new TempFolder();
        using var announcements = new StringWriter();
        await using var app = TestAppliance.Build(folder, announcements);
        await app.StartAsync();
        try
        {
            var address = TestAppliance.Address(app);
            var code = announcements.ToString().Split('\n').Single(l => l.Contains("#signin=", StringComparison.Ordinal)).Split("#signin=")[1].Trim();
            using var handler = new HttpClientHandler { CookieContainer = new CookieContainer() };
            using var http = new HttpClient(handler) { BaseAddress = new Uri(address) };

            Assert.Equal(HttpStatusCode.OK, (await http.PostAsync(new Uri($"/signin?code={code}", UriKind.Relative), null)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/api/v1/clips", UriKind.Relative))).StatusCode);
            using var again = new HttpClient { BaseAddress = new Uri(address) };
            Assert.Equal(HttpStatusCode.Unauthorized, (await again.PostAsync(new Uri($"/signin?code={code}", UriKind.Relative), null)).StatusCode);
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
