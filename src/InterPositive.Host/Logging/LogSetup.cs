using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace InterPositive.Host;

/// <summary>
/// Serilog for the CLI and the service: human-readable lines on stderr (stdout is kept for results),
/// compact JSON to a size-capped rolling file under DATA/logs.
/// </summary>
public static class LogSetup
{
    public const string ConsoleTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}";

    public static Serilog.Core.Logger CreateCliLogger(string dataDirectory, string verb, bool verbose)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(verbose ? LogEventLevel.Debug : LogEventLevel.Information)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .Enrich.WithProperty("Application", "interpositive")
            .Enrich.FromLogContext()
            .WriteTo.Console(
                outputTemplate: ConsoleTemplate,
                standardErrorFromLevel: LogEventLevel.Verbose,
                restrictedToMinimumLevel: verbose ? LogEventLevel.Debug : LogEventLevel.Warning,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        var logs = Path.Combine(dataDirectory, "logs");
        if (TryCreate(logs))
        {
            config = config.WriteTo.File(
                new CompactJsonFormatter(),
                Path.Combine(logs, $"interpositive-{verb}-.clef"),
                rollingInterval: RollingInterval.Day,
                fileSizeLimitBytes: 64L * 1024 * 1024,
                rollOnFileSizeLimit: true,
                retainedFileCountLimit: 14,
                shared: true);
        }

        return config.CreateLogger();
    }

    private static bool TryCreate(string folder)
    {
        try
        {
            // The data folder and its logs are the appliance's alone (0700): tokens' hashes and the catalog live there.
            InterPositive.Catalog.CatalogFiles.CreateFolder(folder);
            return true;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // A read-only working folder must not stop a verify or a clips listing; logs then go to stderr only.
            return false;
        }
    }
}
