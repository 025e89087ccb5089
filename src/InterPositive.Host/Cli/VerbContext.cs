using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using InterPositive.Formats;
using Serilog;

namespace InterPositive.Host.Cli;

/// <summary>
/// What a verb gets from the host: parsed values, where data lives, a logger, the clock, the token,
/// and one way to print its result and its errors.
/// </summary>
public sealed class VerbContext : IDisposable
{
    private readonly Serilog.Core.Logger _logger;

    private VerbContext(string verb, ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        Verb = verb;
        Parse = parse;
        Stdout = stdout;
        Stderr = stderr;
        CancellationToken = cancellationToken;
        Json = parse.GetValue(GlobalOptions.Json);
        DataDirectory = Path.GetFullPath(parse.GetValue(GlobalOptions.Data)
            ?? System.Environment.GetEnvironmentVariable("INTERPOSITIVE_DATA")
            ?? "data");
        _logger = LogSetup.CreateCliLogger(DataDirectory, verb, parse.GetValue(GlobalOptions.Verbose));
        Log = _logger.ForContext(nameof(Verb), verb);
    }

    public string Verb { get; }

    public ParseResult Parse { get; }

    public bool Json { get; }

    /// <summary>The data folder (catalog, logs); created on first use by whoever writes there.</summary>
    public string DataDirectory { get; }

    /// <summary>The catalog file: <c>DATA/interpositive.db</c>.</summary>
    public string CatalogPath => Path.Combine(DataDirectory, "interpositive.db");

    public Serilog.ILogger Log { get; }

    public TextWriter Stdout { get; }

    public TextWriter Stderr { get; }

    public TimeProvider Time { get; } = TimeProvider.System;

    /// <summary>ffmpeg and ffprobe, from <c>INTERPOSITIVE_MEDIA__FFMPEG</c>/<c>__FFPROBE</c> or PATH.</summary>
    public InterPositive.Media.MediaTools Media { get; } = new(InterPositive.Media.MediaToolsOptions.FromEnvironment());

    public CancellationToken CancellationToken { get; }

    /// <summary>True when stderr is an interactive terminal and no JSON was asked for: progress bars are welcome.</summary>
    public bool Interactive => !Json && !Console.IsErrorRedirected;

    public static VerbContext Create(string verb, ParseResult parse, CancellationToken cancellationToken) =>
        new(verb, parse, Console.Out, Console.Error, cancellationToken);

    public T? Value<T>(Option<T> option) => Parse.GetValue(option);

    public T? Value<T>(Argument<T> argument) => Parse.GetValue(argument);

    /// <summary>Writes the verb's result as indented JSON on stdout.</summary>
    public void WriteJson<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        Stdout.WriteLine(JsonSerializer.Serialize(value, typeInfo));
        Stdout.Flush();
    }

    /// <summary>A human line on stdout (only when no JSON was asked for).</summary>
    public void WriteLine(string text)
    {
        if (!Json)
        {
            Stdout.WriteLine(text);
        }
    }

    /// <summary>Reports a failure as one line on stderr (and as JSON on stdout with --json) and returns its exit code.</summary>
    public int Fail(Exception error)
    {
        var (code, message) = Classify(error);
        if (code == ExitCode.Environment && error is not IOException and not UnauthorizedAccessException and not OperationCanceledException)
        {
            Log.Error(error, "Unexpected failure in {Verb}", Verb);
        }

        return Fail(code, message);
    }

    /// <summary>Reports a failure with a chosen exit code.</summary>
    public int Fail(int code, string message)
    {
        Log.Error("{Verb} failed: {Message}", Verb, message);
        Stderr.WriteLine($"interpositive {Verb}: error: {message}");
        if (Json)
        {
            WriteJson(new CliError(message, code), HostJsonContext.Default.CliError);
        }

        return code;
    }

    public static (int Code, string Message) Classify(Exception error) => error switch
    {
        UsageException => (ExitCode.Usage, error.Message),
        MalformedInputException => (ExitCode.BadInput, error.Message),
        FileNotFoundException f => (ExitCode.BadInput, f.FileName is null ? f.Message : $"{f.FileName}: not found"),
        DirectoryNotFoundException => (ExitCode.BadInput, error.Message),
        InvalidDataException => (ExitCode.BadInput, error.Message),
        OperationCanceledException => (ExitCode.Environment, "interrupted"),
        IOException or UnauthorizedAccessException => (ExitCode.Environment, error.Message),
        _ => (ExitCode.Environment, $"{error.GetType().Name}: {error.Message}"),
    };

    public void Dispose() => _logger.Dispose();
}

/// <summary>The JSON a verb prints on stdout when it fails under --json.</summary>
public sealed record CliError(string Error, int ExitCode);
