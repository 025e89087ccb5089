using System.Globalization;
using System.Text;
using InterPositive.Host.Api;
using InterPositive.Host.Service.Ingest;
using InterPositive.Testing;
using InterPositive.Testing.Cards;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace InterPositive.Host.Tests;

/// <summary>
/// The API as an attacker on the set network sees it: every route the app maps (read from its endpoint data source, so
/// a new route is covered the day it is added), in every spelling the router accepts, without a token and with a
/// read-only one; the Host-header allow-list.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ApiSecurityTests : IAsyncLifetime
{
    /// <summary>The endpoints that answer without a token; anything else that appears anonymous fails the suite.</summary>
    private static readonly string[] AllowList = ["/", "/ui/{*file}", "/health/live", "/health/ready", "/openapi/{documentName}.json", "/signin"];

    private readonly TempFolder _folder = new("ip-apisec");
    private readonly StringWriter _announcements = new();
    private WebApplication _app = null!;

    private string Address => TestAppliance.Address(_app);

    public async Task InitializeAsync()
    {
        _app = TestAppliance.Build(_folder, _announcements, new Dictionary<string, string?> { ["Dashboard:AllowedHosts:0"] = "cart-a.set.lan" });
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _announcements.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task The_probes_from_the_issue_answer_401_and_start_nothing()
    {
        var card = SyntheticCard.Typical(_folder.Combine("A001"), clips: 1, smallFiles: 0).Root;
        var queue = _app.Services.GetRequiredService<OffloadQueue>();

        Assert.Equal(401, (await RawHttp.SendAsync(Address, "GET", "/API/v1/cards")).Status);
        Assert.Equal(401, (await RawHttp.SendAsync(Address, "GET", "/METRICS")).Status);
        Assert.Equal(401, (await RawHttp.SendAsync(Address, "POST", "/API/v1/offload/jobs", body: Json(card))).Status);
        Assert.Equal(401, (await RawHttp.SendAsync(Address, "POST", "/Api/V1/Offload/Jobs/", body: Json(card))).Status);
        Assert.Empty(queue.Jobs);

        var readOnly = TestAppliance.FirstStart(_folder, "read-only token:");
        Assert.Equal(403, (await RawHttp.SendAsync(Address, "POST", "/API/v1/offload/jobs", RawHttp.Bearer(readOnly), Json(card))).Status);
        Assert.Empty(queue.Jobs);

        // The scheme name is case-insensitive (RFC 9110), the token is not.
        var operatorToken = TestAppliance.FirstStart(_folder, "operator token:");
        Assert.Equal(200, (await RawHttp.SendAsync(Address, "GET", "/API/v1/cards", new Dictionary<string, string> { ["Authorization"] = "bearer " + operatorToken })).Status);
        Assert.Equal(401, (await RawHttp.SendAsync(Address, "GET", "/api/v1/cards", RawHttp.Bearer(operatorToken.ToUpperInvariant()))).Status);
    }

    [Fact]
    public async Task Only_the_allow_list_is_anonymous_and_it_is_all_reachable()
    {
        var anonymous = Endpoints().Where(e => e.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null).Select(e => e.Endpoint.RoutePattern.RawText).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(AllowList.Order(StringComparer.Ordinal), anonymous);
        Assert.Equal(200, (await RawHttp.SendAsync(Address, "GET", "/health/live")).Status);
        Assert.Equal(200, (await RawHttp.SendAsync(Address, "GET", "/openapi/v1.json")).Status);
        Assert.Equal(200, (await RawHttp.SendAsync(Address, "GET", "/")).Status);
        Assert.Equal(200, (await RawHttp.SendAsync(Address, "GET", "/ui/app.js")).Status);
        Assert.Equal(401, (await RawHttp.SendAsync(Address, "POST", "/signin?code=0000")).Status);

        // Not a route at all: still a token first (no probing which paths exist), then 404.
        Assert.Equal(401, (await RawHttp.SendAsync(Address, "GET", "/api/v2/anything")).Status);
        Assert.Equal(404, (await RawHttp.SendAsync(Address, "GET", "/api/v2/anything", RawHttp.Bearer(TestAppliance.FirstStart(_folder, "read-only token:")))).Status);
    }

    [Fact]
    public async Task Every_route_in_every_spelling_needs_a_token_and_read_only_tokens_change_nothing()
    {
        var readOnly = TestAppliance.FirstStart(_folder, "read-only token:");
        var tokensBefore = _app.Services.GetRequiredService<ApiTokenStore>().List().Count;
        var checkedRequests = 0;
        var failures = new List<string>();
        foreach (var (endpoint, methods) in Endpoints().Where(e => e.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null))
        {
            foreach (var method in methods)
            {
                foreach (var path in Spellings(Concrete(endpoint.RoutePattern)))
                {
                    var body = ApiAuthorization.Reads(method) ? null : "{\"source\":\"/\",\"role\":\"operator\",\"signIn\":true}";
                    var anonymous = await RawHttp.SendAsync(Address, method, path, body: body);
                    if (anonymous.Status != 401)
                    {
                        failures.Add($"{method} {path} without a token: {anonymous.Status}");
                    }

                    if (!ApiAuthorization.Reads(method))
                    {
                        var reading = await RawHttp.SendAsync(Address, method, path, RawHttp.Bearer(readOnly), body);
                        if (reading.Status != 403)
                        {
                            failures.Add($"{method} {path} with a read-only token: {reading.Status}");
                        }
                    }

                    checkedRequests++;
                }
            }
        }

        Assert.Empty(failures);
        Assert.True(checkedRequests > 60, $"only {checkedRequests} requests: were the routes enumerated?");
        Assert.Empty(_app.Services.GetRequiredService<OffloadQueue>().Jobs);
        Assert.Equal(tokensBefore, _app.Services.GetRequiredService<ApiTokenStore>().List().Count);
    }

    [Fact]
    public async Task Every_mutating_endpoint_is_for_the_operator()
    {
        var mutating = Endpoints().Where(e => e.Methods.Any(m => !ApiAuthorization.Reads(m)) && e.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null).ToList();
        Assert.NotEmpty(mutating);
        Assert.All(mutating, e => Assert.Contains(e.Endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>(), a => a.Policy is ApiAuthorization.OperatorPolicy or ApiAuthorization.ReadPolicy));

        // And the read policy, which every API route carries, itself refuses writes to read-only tokens (checked above
        // on every route); an operator may write.
        var operatorToken = TestAppliance.FirstStart(_folder, "operator token:");
        var card = SyntheticCard.Typical(_folder.Combine("A002"), clips: 1, smallFiles: 0).Root;
        Assert.Equal(202, (await RawHttp.SendAsync(Address, "POST", "/api/v1/offload/jobs", RawHttp.Bearer(operatorToken), Json(card))).Status);
    }

    [Theory]
    [InlineData("evil.example", 400)]
    [InlineData("evil.example:{port}", 400)]
    [InlineData("127.0.0.1.evil.example", 400)]
    [InlineData("", 400)]
    [InlineData("localhost:{port}", 200)]
    [InlineData("LOCALHOST:{port}", 200)]
    [InlineData("127.0.0.1:{port}", 200)]
    [InlineData("[::1]:{port}", 200)]
    [InlineData("cart-a.set.lan:{port}", 200)]
    public async Task Only_loopback_and_configured_host_names_are_answered(string host, int status)
    {
        var port = new Uri(Address).Port.ToString(CultureInfo.InvariantCulture);
        Assert.Equal(status, (await RawHttp.SendAsync(Address, "GET", "/health/live", host: host.Replace("{port}", port, StringComparison.Ordinal))).Status);
        if (status == 400)
        {
            var operatorToken = TestAppliance.FirstStart(_folder, "operator token:");
            Assert.Equal(400, (await RawHttp.SendAsync(Address, "GET", "/api/v1/cards", RawHttp.Bearer(operatorToken), host: host.Replace("{port}", port, StringComparison.Ordinal))).Status);
        }
    }

    private static string Json(string source) => $"{{\"source\":\"{source}\"}}";

    private List<(RouteEndpoint Endpoint, IReadOnlyList<string> Methods)> Endpoints() =>
    [
        .. _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (e, (IReadOnlyList<string>)(e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"]))),
    ];

    /// <summary>A path the pattern matches: parameters get plausible values, a catch-all two segments.</summary>
    private static string Concrete(RoutePattern pattern)
    {
        var path = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
            {
                path.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternSeparatorPart separator => separator.Content,
                    RoutePatternParameterPart { IsCatchAll: true } => "A001/C001.mov",
                    RoutePatternParameterPart { Name: "documentName" } => "v1",
                    RoutePatternParameterPart => "x1",
                    _ => "",
                });
            }
        }

        return path.Length == 0 ? "/" : path.ToString();
    }

    /// <summary>The ways one path can be spelt that a router or server may take for it.</summary>
    private static IEnumerable<string> Spellings(string path)
    {
        yield return path;
        yield return path.ToUpperInvariant();
        yield return string.Concat(path.Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : c));
        yield return path + "/";
        yield return path.Replace("/", "//", StringComparison.Ordinal);
        yield return "/." + path;
        yield return "/x/.." + path;

        // Every letter after a slash percent-encoded (%61 for a): Kestrel decodes them before routing.
        var encoded = new StringBuilder();
        for (var i = 0; i < path.Length; i++)
        {
            var afterSlash = i > 0 && path[i - 1] == '/' && char.IsAsciiLetter(path[i]);
            encoded.Append(afterSlash ? $"%{(int)path[i]:X2}" : path[i].ToString());
        }

        yield return encoded.ToString();
    }
}
