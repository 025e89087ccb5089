using System.Diagnostics;
using System.Text;

namespace InterPositive.Host.Tests;

/// <summary>Runs the real <c>interpositive</c> executable (built beside the tests) as a child process.</summary>
internal static class SyncCli
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "interpositive.dll");

    public static Process Start(string dataFolder, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
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

    public static async Task<(int Code, string Stdout, string Stderr)> FinishAsync(Process process, TimeSpan bound)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
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
