using System.Diagnostics;

namespace InterPositive.Testing.Brokers;

/// <summary>
/// A real Mosquitto for tests: the one tests/run.sh started ($INTERPOSITIVE_TEST_MOSQUITTO) when a test only needs a
/// broker, or a private one (<see cref="StartPrivateAsync"/>) on a free loopback port with its own persistence folder,
/// which tests may stop and start again (the fault tests do).
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    public const string Executable = "/usr/sbin/mosquitto";

    private readonly TempFolder? _folder;
    private Process? _process;

    private MosquittoBroker(string url, int port, TempFolder? folder)
    {
        Url = url;
        Port = port;
        _folder = folder;
    }

    /// <summary><c>mqtt://127.0.0.1:PORT</c>.</summary>
    public string Url { get; }

    public int Port { get; }

    /// <summary>The TLS listener's port, when started with a certificate.</summary>
    public int? TlsPort { get; private set; }

    /// <summary>True when this object runs the broker (and can stop and restart it).</summary>
    public bool Private => _folder is not null;

    public static bool Available => File.Exists(Executable) || Environment.GetEnvironmentVariable("INTERPOSITIVE_TEST_MOSQUITTO") is not null;

    /// <summary>The shared broker from tests/run.sh when there is one, else a private one.</summary>
    public static async Task<MosquittoBroker> StartOrShareAsync()
    {
        if (Environment.GetEnvironmentVariable("INTERPOSITIVE_TEST_MOSQUITTO") is { Length: > 0 } url)
        {
            return new MosquittoBroker(url, new Uri(url).Port, null);
        }

        return await StartPrivateAsync();
    }

    /// <summary>Starts a Mosquitto of our own with persistence, so it can be stopped and restarted with its sessions.</summary>
    public static async Task<MosquittoBroker> StartPrivateAsync() => await StartPrivateAsync(null, null);

    /// <summary>
    /// A private Mosquitto that also listens with TLS on <see cref="TlsPort"/>, serving the PEM certificate and key
    /// given (the post-house setup: mqtts:// on 8883).
    /// </summary>
    public static async Task<MosquittoBroker> StartPrivateAsync(string? certificatePem, string? keyPem)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is not installed (apt-get install mosquitto; tests/run.sh does)");
        }

        var folder = new TempFolder("mosquitto");
        var port = LoopbackPort.Free();
        var broker = new MosquittoBroker($"mqtt://127.0.0.1:{port}", port, folder);
        var tls = "";
        if (certificatePem is not null && keyPem is not null)
        {
            broker.TlsPort = LoopbackPort.Free();
            await File.WriteAllTextAsync(folder.Combine("broker.crt"), certificatePem);
            await File.WriteAllTextAsync(folder.Combine("broker.key"), keyPem);
            tls = $"""
                listener {broker.TlsPort} 127.0.0.1
                certfile {folder.Combine("broker.crt")}
                keyfile {folder.Combine("broker.key")}
                """;
        }

        await File.WriteAllTextAsync(folder.Combine("mosquitto.conf"), $"""
            per_listener_settings false
            allow_anonymous true
            listener {port} 127.0.0.1
            {tls}
            persistence true
            persistence_location {folder.Path}/
            autosave_interval 1
            max_queued_messages 0
            max_inflight_messages 0
            log_dest file {folder.Combine("mosquitto.log")}
            log_type error
            log_type warning
            {(Environment.UserName == "root" ? "user root" : "")}
            """);
        await broker.StartAsync();
        return broker;
    }

    /// <summary>Starts (again) the private broker on the same port and persistence folder.</summary>
    public async Task StartAsync()
    {
        if (_folder is null)
        {
            throw new InvalidOperationException("the shared broker belongs to tests/run.sh");
        }

        var start = new ProcessStartInfo(Executable) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(_folder.Combine("mosquitto.conf"));
        _process = Process.Start(start) ?? throw new InvalidOperationException("mosquitto did not start");
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        await LoopbackPort.WaitForListenerAsync(Port, TimeSpan.FromSeconds(15), Log);
    }

    /// <summary>Stops the private broker: SIGTERM (it saves its persistence file) or, with <paramref name="kill"/>, SIGKILL.</summary>
    public async Task StopAsync(bool kill = false)
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        using (process)
        {
            if (!process.HasExited)
            {
                if (kill)
                {
                    process.Kill();
                }
                else
                {
                    using var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                    await term.WaitForExitAsync();
                }

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await process.WaitForExitAsync(timeout.Token);
            }
        }
    }

    /// <summary>The broker's log (for failure messages).</summary>
    public string Log() => _folder is not null && File.Exists(_folder.Combine("mosquitto.log")) ? File.ReadAllText(_folder.Combine("mosquitto.log")) : "";

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(kill: true);
        }
        finally
        {
            _folder?.Dispose();
        }
    }
}
