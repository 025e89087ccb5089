using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InterPositive.Host.Api;

/// <summary>
/// Who may call what, decided per endpoint after routing (so a path in another case, with a trailing slash or encoded
/// characters, gets the rules of the endpoint it reaches). Denied by default: the fallback policy wants a valid token
/// for every endpoint and every unmatched path; health, the OpenAPI document, the dashboard's files and sign-in opt out
/// with <c>AllowAnonymous</c>. Read-only tokens may only read: a request that is not GET or HEAD needs the operator.
/// </summary>
public static class ApiAuthorization
{
    public const string Scheme = "Token";

    /// <summary>Any valid token; anything but GET and HEAD needs the operator role. The fallback and the API group's policy.</summary>
    public const string ReadPolicy = "read";

    /// <summary>The operator role, whatever the method.</summary>
    public const string OperatorPolicy = "operator";

    public const string SessionCookie = "ip_session";

    public static IServiceCollection AddApiAuthorization(this IServiceCollection services)
    {
        services.AddAuthentication(Scheme).AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(Scheme, configureOptions: null);
        services.AddSingleton<IAuthorizationHandler, ReadOnlyMayOnlyReadHandler>();
        var read = new AuthorizationPolicyBuilder(Scheme).RequireAuthenticatedUser().AddRequirements(new ReadOnlyMayOnlyRead()).Build();
        services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, read)
            .AddPolicy(OperatorPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().RequireRole(ApiRoles.Operator))
            .SetFallbackPolicy(read);
        return services;
    }

    /// <summary>GET and HEAD only read; everything else (POST, PUT, PATCH, DELETE, and any method we do not know) writes.</summary>
    public static bool Reads(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
}

/// <summary>A read-only token may only read.</summary>
public sealed class ReadOnlyMayOnlyRead : IAuthorizationRequirement;

internal sealed class ReadOnlyMayOnlyReadHandler : AuthorizationHandler<ReadOnlyMayOnlyRead>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ReadOnlyMayOnlyRead requirement)
    {
        // Endpoint routing passes the HttpContext as the resource; anything else is not a request we can judge.
        if (context.Resource is HttpContext http
            && context.User.Identity?.IsAuthenticated == true
            && (ApiAuthorization.Reads(http.Request.Method) || context.User.IsInRole(ApiRoles.Operator)))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Reads the token from <c>Authorization: Bearer</c> (the scheme name in any case, as RFC 9110 has it) or from the
/// dashboard's session cookie, and answers 401 and 403 with the API's JSON error.
/// </summary>
internal sealed class TokenAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiTokenStore tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = BearerToken(Request) ?? Request.Cookies[ApiAuthorization.SessionCookie];
        if (string.IsNullOrEmpty(presented))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var token = tokens.Authenticate(presented);
        if (token is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("unknown, revoked or expired token"));
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, token.Id),
                new Claim(ClaimTypes.Role, token.Role),
                new Claim("token_kind", token.Kind),
            ],
            ApiAuthorization.Scheme,
            ClaimTypes.NameIdentifier,
            ClaimTypes.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ApiAuthorization.Scheme)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Response.WriteAsJsonAsync(new ApiError("a valid API token is required"), ApiJsonContext.Default.ApiError, cancellationToken: Context.RequestAborted);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Response.WriteAsJsonAsync(new ApiError("this token may only read; changes need an operator token"), ApiJsonContext.Default.ApiError, cancellationToken: Context.RequestAborted);
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        return header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? header[prefix.Length..].Trim() : null;
    }
}
