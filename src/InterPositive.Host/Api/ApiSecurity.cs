using System.Security.Cryptography.X509Certificates;
using InterPositive.Host.Service;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace InterPositive.Host.Api;

/// <summary>The web edge's defences other than tokens: the Host-header allow-list, HTTPS, and what OpenAPI says of both.</summary>
public static class ApiSecurity
{
    public const string BearerScheme = "bearer";

    private static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>
    /// The Host headers the service answers: loopback names and addresses, the hosts named in the listen URLs and the
    /// configured <c>Dashboard:AllowedHosts</c>. A page on another origin that re-points its own name at the appliance
    /// (DNS rebinding) sends its own name and is answered 400 before routing.
    /// </summary>
    public static IReadOnlyList<string> AllowedHosts(DashboardOptions dashboard)
    {
        var hosts = new List<string>(LoopbackHosts);
        foreach (var url in dashboard.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // "http://*:8080", "http://+:8080", "0.0.0.0" and "[::]" listen everywhere and name no host.
            if (Uri.TryCreate(url.Replace("://*", "://any.invalid", StringComparison.Ordinal).Replace("://+", "://any.invalid", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                && uri.Host is not ("any.invalid" or "0.0.0.0" or "[::]" or "::"))
            {
                hosts.Add(uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.IdnHost.Trim('[', ']')}]" : uri.IdnHost);
            }
        }

        hosts.AddRange(dashboard.AllowedHosts.Where(h => !string.IsNullOrWhiteSpace(h) && h.Trim() != "*").Select(h => h.Trim()));
        return [.. hosts.Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    public static IServiceCollection AddApiSecurity(this IServiceCollection services, ApplianceOptions options)
    {
        services.AddHostFiltering(filter =>
        {
            filter.AllowedHosts = [.. AllowedHosts(options.Dashboard)];
            filter.AllowEmptyHosts = false;
            filter.IncludeFailureMessage = false;
        });
        services.AddApiAuthorization();
        services.AddOpenApi("v1", openApi =>
        {
            openApi.AddDocumentTransformer((document, _, _) =>
            {
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An operator or read-only API token (interpositive tokens create), or the dashboard's session cookie after sign-in.",
                };
                return Task.CompletedTask;
            });
            openApi.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<IAllowAnonymous>().Any())
                {
                    return Task.CompletedTask;
                }

                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document, null)] = [] });
                operation.Responses ??= new OpenApiResponses();
                operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No token, or an unknown, revoked or expired one." });
                var operatorOnly = metadata.OfType<IAuthorizeData>().Any(a => a.Policy == ApiAuthorization.OperatorPolicy);
                if (operatorOnly || !ApiAuthorization.Reads(context.Description.HttpMethod ?? "GET"))
                {
                    operation.Responses.TryAdd("403", new OpenApiResponse { Description = "A read-only token: only an operator token may do this." });
                }

                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>
    /// HTTPS for https:// listen URLs, from a PEM certificate and key in the configuration. Without a certificate an
    /// https:// URL is refused at start rather than served with a development certificate.
    /// </summary>
    public static void ConfigureHttps(IWebHostBuilder web, DashboardOptions dashboard)
    {
        var wantsHttps = dashboard.Urls.Contains("https://", StringComparison.OrdinalIgnoreCase);
        if (dashboard.Certificate is null)
        {
            if (wantsHttps)
            {
                throw new InvalidDataException($"Dashboard:Urls '{dashboard.Urls}': an https:// URL needs Dashboard:Certificate and Dashboard:CertificateKey");
            }

            return;
        }

        if (dashboard.CertificateKey is null)
        {
            throw new InvalidDataException($"{dashboard.Certificate}: Dashboard:CertificateKey (the PEM private key) is missing");
        }

        X509Certificate2 certificate;
        try
        {
            // Lives as long as the server that presents it; the process ends with it.
#pragma warning disable CA2000
            certificate = X509Certificate2.CreateFromPemFile(dashboard.Certificate, dashboard.CertificateKey);
#pragma warning restore CA2000
        }
        catch (System.Security.Cryptography.CryptographicException error)
        {
            throw new InvalidDataException($"{dashboard.Certificate}: not a PEM certificate matching {dashboard.CertificateKey} ({error.Message})", error);
        }

        web.UseKestrelHttpsConfiguration();
        web.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate));
    }

    /// <summary>The session cookie: HTTP-only, same-site strict, as long as the session, and Secure whenever the request came over HTTPS.</summary>
    public static CookieOptions SessionCookie(HttpRequest request, TimeSpan lifetime) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = request.IsHttps,
        MaxAge = lifetime,
        Path = "/",
    };
}
