using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace InterPositive.Host.Api;

/// <summary>
/// Tokens over the API (operator only), for while the service holds the data folder and the <c>tokens</c> verb cannot
/// write; and the dashboard's sign-in exchange. Both go through <see cref="ApiTokenStore"/>, as the verb does.
/// </summary>
public static class TokensApi
{
    public static RouteGroupBuilder MapTokensApi(this RouteGroupBuilder api)
    {
        api.MapGet("/tokens", (ApiTokenStore store) => new ListResponse<TokenInfo>(store.List()))
            .RequireAuthorization(ApiAuthorization.OperatorPolicy)
            .WithName("ListTokens").WithSummary("API tokens, dashboard sessions and unused sign-in codes: ids, roles, expiry; never their secrets (operator).");

        api.MapPost("/tokens", (CreateToken request, ApiTokenStore store) =>
            {
                if (!ApiRoles.IsRole(request.Role))
                {
                    return Results.BadRequest(new ApiError($"role: '{request.Role}' is neither {ApiRoles.Operator} nor {ApiRoles.ReadOnly}"));
                }

                var created = store.Create(request.Role, request.Name, request.SignIn);
                return Results.Created($"/api/v1/tokens/{created.Token.Id}", created);
            })
            .RequireAuthorization(ApiAuthorization.OperatorPolicy)
            .Produces<CreatedToken>(StatusCodes.Status201Created).Produces<ApiError>(StatusCodes.Status400BadRequest)
            .WithName("CreateToken").WithSummary("Makes a token (and optionally a one-time dashboard sign-in code for it); the secret is in this answer only (operator).");

        api.MapDelete("/tokens/{id}", (string id, ApiTokenStore store) =>
                store.Revoke(id) is { Count: > 0 } removed
                    ? Results.Ok(new ListResponse<TokenInfo>(removed))
                    : Results.NotFound(new ApiError($"no token {id}")))
            .RequireAuthorization(ApiAuthorization.OperatorPolicy)
            .Produces<ListResponse<TokenInfo>>().Produces<ApiError>(StatusCodes.Status404NotFound)
            .WithName("RevokeToken").WithSummary("Revokes a token with its dashboard sessions and sign-in codes, or one session (operator).");
        return api;
    }

    /// <summary>The one-time sign-in exchange: anonymous by nature, answers 401 for an unknown or used code.</summary>
    public static IEndpointRouteBuilder MapSignIn(this IEndpointRouteBuilder app)
    {
        app.MapPost("/signin", (string? code, ApiTokenStore store, HttpContext http) =>
            {
                if (store.RedeemSignIn(code) is not { } session)
                {
                    return Results.Json(new ApiError("this sign-in link was already used or is unknown"), ApiJsonContext.Default.ApiError, statusCode: StatusCodes.Status401Unauthorized);
                }

                http.Response.Cookies.Append(ApiAuthorization.SessionCookie, session.Secret, ApiSecurity.SessionCookie(http.Request, store.SessionLifetime));
                return Results.Json(new SignInResponse(session.Session.Role, session.Session.ExpiresAt), ApiJsonContext.Default.SignInResponse);
            })
            .AllowAnonymous()
            .Produces<SignInResponse>().Produces<ApiError>(StatusCodes.Status401Unauthorized)
            .WithName("SignIn").WithSummary("Exchanges a one-time sign-in code for a dashboard session cookie that expires (Dashboard:SessionLifetime, 12 h).");
        return app;
    }
}
