using System.Diagnostics;
using System.Globalization;

namespace InterPositive.Testing.Brokers;

/// <summary>
/// A throwaway PostgreSQL 15 (Debian's) for tests: initdb into a temp folder, pg_ctl start on a free loopback port
/// with its socket in that folder, stopped and deleted on dispose. As root it runs the server as user postgres.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string BinFolder = "/usr/lib/postgresql/15/bin";

    private readonly TempFolder _folder;

    private PostgresServer(TempFolder folder, int port)
    {
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    /// <summary><c>postgresql://postgres@127.0.0.1:PORT/postgres</c>.</summary>
    public string Url => $"postgresql://postgres@127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/postgres";

    public static bool Available => File.Exists(Path.Combine(BinFolder, "initdb"));

    public static async Task<PostgresServer> StartAsync()
    {
        if (!Available)
        {
            throw new InvalidOperationException($"{BinFolder}/initdb is not installed (apt-get install postgresql; tests/run.sh does)");
        }

        var folder = new TempFolder("postgres");
        var port = LoopbackPort.Free();
        var server = new PostgresServer(folder, port);
        try
        {
            var root = Environment.UserName == "root";
            if (root)
            {
                await RunAsync("chown", ["-R", "postgres", folder.Path], null);
            }

            var data = folder.Combine("data");
            await RunAsync(Path.Combine(BinFolder, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"], root ? "postgres" : null);
            await RunAsync(Path.Combine(BinFolder, "pg_ctl"),
                ["-D", data, "-o", $"-p {port} -k {folder.Path} -c listen_addresses=127.0.0.1 -c fsync=off", "-l", folder.Combine("log"), "-w", "start"],
                root ? "postgres" : null);
            await LoopbackPort.WaitForListenerAsync(port, TimeSpan.FromSeconds(30));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Directory.Exists(_folder.Combine("data")))
            {
                await RunAsync(Path.Combine(BinFolder, "pg_ctl"), ["-D", _folder.Combine("data"), "-m", "immediate", "stop"], Environment.UserName == "root" ? "postgres" : null);
            }
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            _folder.Dispose();
        }
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, string? asUser)
    {
        ProcessStartInfo start;
        if (asUser is null)
        {
            start = new ProcessStartInfo(program);
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            // su runs one shell line: quote every argument.
            var line = string.Join(' ', new[] { program }.Concat(arguments).Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
            start = new ProcessStartInfo("su");
            start.ArgumentList.Add(asUser);
            start.ArgumentList.Add("-s");
            start.ArgumentList.Add("/bin/sh");
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(line);
        }

        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} exited {process.ExitCode}: {await stderr} {await stdout}");
        }
    }
}
