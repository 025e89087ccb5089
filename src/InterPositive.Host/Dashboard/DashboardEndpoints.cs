using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace InterPositive.Host.Dashboard;

/// <summary>Serves the DIT dashboard's static files, embedded in the executable (no files to lose on the box).</summary>
public static class DashboardEndpoints
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".json"] = "application/json",
        [".webmanifest"] = "application/manifest+json",
    };

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        // The dashboard's own files hold no data: anyone may load them; every call they make needs a token or a session.
        app.MapGet("/", () => Serve("index.html")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/ui/{*file}", (string file) => Serve(file)).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static IResult Serve(string file)
    {
        if (file.Contains("..", StringComparison.Ordinal))
        {
            return Results.NotFound();
        }

        var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("dashboard/" + file);
        if (stream is null)
        {
            return Results.NotFound();
        }

        var type = ContentTypes.GetValueOrDefault(Path.GetExtension(file), "application/octet-stream");
        return Results.Stream(stream, type);
    }
}
