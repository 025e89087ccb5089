using Microsoft.AspNetCore.Http;

namespace InterPositive.Host.Api;

/// <summary>
/// Token check in front of the API: nothing but health, the OpenAPI document, the dashboard's static files and the
/// sign-in exchange answers without a token; read-only tokens may only read.
/// </summary>
public sealed class TokenAuthentication(RequestDelegate next, ApiTokenStore tokens)
{
    public const string SessionCookie = "ip_session";

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!RequiresToken(path))
        {
            await next(context);
            return;
        }

        var token = BearerToken(context.Request) ?? context.Request.Cookies[SessionCookie];
        var role = tokens.RoleOf(token);
        if (role is null)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await context.Response.WriteAsJsonAsync(new ApiError("a valid API token is required"), ApiJsonContext.Default.ApiError, cancellationToken: context.RequestAborted);
            return;
        }

        var reading = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        if (!reading && role != ApiRoles.Operator)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsJsonAsync(new ApiError("this token may only read"), ApiJsonContext.Default.ApiError, cancellationToken: context.RequestAborted);
            return;
        }

        context.Items[nameof(ApiRoles)] = role;
        await next(context);
    }

    /// <summary>Everything under /api and /metrics needs a token.</summary>
    public static bool RequiresToken(PathString path) =>
        path.StartsWithSegments("/api", StringComparison.Ordinal) || path.StartsWithSegments("/metrics", StringComparison.Ordinal);

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : null;
    }
}
