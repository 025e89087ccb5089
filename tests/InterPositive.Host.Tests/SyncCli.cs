using System.Diagnostics;
using System.Text;

namespace InterPositive.Host.Tests;

/// <summary>Runs the real <c>interpositive</c> executable (built beside the tests) as a child process.</summary>
internal static class SyncCli
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "interpositive.dll");

    public static Process Start(string dataFolder, params string[] arguments) => Start(dataFolder, interruptible: false, arguments);

    /// <summary>
    /// Starts the executable with <paramref name="interruptible"/>: SIGINT at its default disposition, as under a terminal's
    /// Ctrl-C. A test run started in the background by a non-interactive shell (CI, <c>tests/run.sh &amp;</c>) inherits SIGINT
    /// ignored, and the runtime rightly leaves an ignored SIGINT ignored, so without this a Ctrl-C test would test the shell.
    /// </summary>
    public static Process Start(string dataFolder, bool interruptible, params string[] arguments)
    {
        var start = new ProcessStartInfo(interruptible ? "env" : "dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (interruptible)
        {
            // coreutils env execs dotnet in place (same process id) with SIGINT reset to its default.
            start.ArgumentList.Add("--default-signal=INT");
            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(Dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--data");
        start.ArgumentList.Add(dataFolder);
        start.Environment["INTERPOSITIVE_PRODUCTION"] = "feature";
        start.Environment["INTERPOSITIVE_UNIT"] = "main";
        start.Environment["INTERPOSITIVE_APPLIANCE"] = "cart-a";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    /// <summary>
    /// Starts a post receiver and returns once it has subscribed, so what a sync publishes next reaches it. The receiver's
    /// idle clock starts with it: on a loaded machine a sync started in the same breath may not publish before a short
    /// <c>--until-idle</c> ends, so callers give it seconds to spare.
    /// </summary>
    public static async Task<PostChild> StartPostAsync(string dataFolder, TimeSpan bound, params string[] arguments)
    {
        var process = Start(dataFolder, ["post", .. arguments, "--verbose"]);
        var seen = new StringBuilder();
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            while (await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
            {
                seen.AppendLine(line);
                if (line.Contains("subscribed to", StringComparison.Ordinal))
                {
                    return new PostChild(process, seen.ToString());
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        process.Kill(entireProcessTree: true);
        process.Dispose();
        throw new TimeoutException($"the post receiver did not subscribe within {bound}: {seen}");
    }

    /// <summary>Runs to the end (bounded) and returns exit code, stdout and stderr.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string dataFolder, TimeSpan bound, params string[] arguments)
    {
        using var process = Start(dataFolder, arguments);
        return await FinishAsync(process, bound);
    }

    /// <summary>Sends a signal by name (TERM, what systemd sends; INT, Ctrl-C) to a child.</summary>
    public static async Task SignalAsync(Process process, string signal)
    {
        using var kill = Process.Start("kill", ["-s", signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public static Task<(int Code, string Stdout, string Stderr)> FinishAsync(Process process, TimeSpan bound) =>
        FinishAsync(process, process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync(), bound);

    /// <summary>Waits (bounded) for the exit of a child whose stdout and stderr are already being read.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> FinishAsync(Process process, Task<string> stdout, Task<string> stderr, TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"interpositive did not finish within {bound}: {await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A subscribed post receiver whose verbose stderr is drained as it comes (a full pipe would stall its receiving).</summary>
internal sealed class PostChild : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _errors;
    private readonly Task<string> _output;
    private readonly string _start;

    public PostChild(Process process, string start)
    {
        _process = process;
        _start = start;
        _errors = process.StandardError.ReadToEndAsync();
        _output = process.StandardOutput.ReadToEndAsync();
    }

    /// <summary>Waits (bounded) for the receiver's own exit and returns its exit code, stdout and stderr.</summary>
    public Task<(int Code, string Stdout, string Stderr)> FinishAsync(TimeSpan bound) =>
        SyncCli.FinishAsync(_process, _output, PrefixAsync(_start, _errors), bound);

    private static async Task<string> PrefixAsync(string start, Task<string> rest) => start + await rest;

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
