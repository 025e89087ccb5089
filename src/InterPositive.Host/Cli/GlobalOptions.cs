using System.CommandLine;

namespace InterPositive.Host.Cli;

/// <summary>Options every verb takes.</summary>
public static class GlobalOptions
{
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print the result as JSON on stdout; logs go to stderr.",
        Recursive = true,
    };

    public static readonly Option<string?> Data = new("--data")
    {
        Description = "Data folder for the catalog and logs (default: $INTERPOSITIVE_DATA or ./data).",
        Recursive = true,
    };

    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Debug-level logs on stderr.",
        Recursive = true,
    };

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(Json);
        root.Options.Add(Data);
        root.Options.Add(Verbose);
    }
}
