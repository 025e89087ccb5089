using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace InterPositive.Media;

/// <summary>An ffmpeg or ffprobe run that failed: names the tool, the input, the exit status and ffmpeg's last word.</summary>
public sealed class MediaProcessException : IOException
{
    public MediaProcessException(string tool, string input, int? exitCode, string detail, Exception? innerException = null)
        : base(Compose(tool, input, exitCode, detail), innerException)
    {
        Tool = tool;
        Input = input;
        ExitCode = exitCode;
        Detail = detail;
    }

    public string Tool { get; }

    public string Input { get; }

    /// <summary>The exit status; null when the process never started.</summary>
    public int? ExitCode { get; }

    /// <summary>The last line ffmpeg wrote on stderr, or why it did not start.</summary>
    public string Detail { get; }

    private static string Compose(string tool, string input, int? exitCode, string detail) =>
        exitCode is { } code
            ? FormattableString.Invariant($"{input}: {Path.GetFileName(tool)} exited with {code}: {detail}")
            : $"{input}: {Path.GetFileName(tool)} {detail}";
}

/// <summary>What a finished run left: its exit status, its stdout, and the tail of its stderr.</summary>
public sealed record MediaRun(int ExitCode, byte[] Output, string Errors)
{
    public string LastError => MediaProcess.LastLine(Errors);
}

/// <summary>
/// One ffmpeg/ffprobe child process: arguments passed as a list (never through a shell), stdout and stdin as streams
/// for frame pipes, stderr drained in the background and only its last <see cref="ErrorTailChars"/> characters kept
/// (a chatty decoder cannot grow memory), cancellation and disposal kill the whole process tree.
/// </summary>
public sealed class MediaProcess : IAsyncDisposable
{
    /// <summary>How much of stderr is kept: enough for ffmpeg's closing lines.</summary>
    public const int ErrorTailChars = 16 * 1024;

    private readonly Process _process;
    private readonly Task _errorPump;
    private readonly StringBuilder _errors = new();
    private readonly bool _writesInput;
    private bool _disposed;

    private MediaProcess(Process process, string tool, string input, bool writesInput)
    {
        _process = process;
        Tool = tool;
        Input = input;
        _writesInput = writesInput;
        if (!writesInput)
        {
            // ffmpeg reads keys from stdin when it is a terminal; an empty closed pipe keeps it from stealing input.
            process.StandardInput.Close();
        }

        _errorPump = PumpErrorsAsync(process.StandardError);
    }

    public string Tool { get; }

    /// <summary>The file or stream the run is about, for error messages.</summary>
    public string Input { get; }

    /// <summary>The child's stdout (frames, JPEGs, JSON).</summary>
    public Stream Stdout => _process.StandardOutput.BaseStream;

    /// <summary>The child's stdin, for frames piped in; only when started with <c>writeInput</c>.</summary>
    public Stream Stdin => _writesInput ? _process.StandardInput.BaseStream : throw new InvalidOperationException($"{Tool} was started without an input pipe");

    public bool HasExited => _disposed || _process.HasExited;

    /// <summary>The tail of stderr so far (complete once <see cref="WaitForExitAsync"/> returned).</summary>
    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="executable"/> (a bare name is found on PATH) with <paramref name="arguments"/>.</summary>
    public static MediaProcess Start(string executable, IReadOnlyList<string> arguments, string input, bool writeInput = false)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (Win32Exception error)
        {
            throw new MediaProcessException(executable, input, null, $"could not be started: {error.Message}", error);
        }

        return process is null
            ? throw new MediaProcessException(executable, input, null, "did not start")
            : new MediaProcess(process, executable, input, writeInput);
    }

    /// <summary>Runs to the end, keeping at most <paramref name="maxOutputBytes"/> of stdout; the exit status is the caller's to judge.</summary>
    public static async Task<MediaRun> RunAsync(string executable, IReadOnlyList<string> arguments, string input, int maxOutputBytes, CancellationToken cancellationToken)
    {
        await using var process = Start(executable, arguments, input);
        using var output = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = await process.Stdout.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (output.Length + n > maxOutputBytes)
            {
                throw new MediaProcessException(executable, input, null, FormattableString.Invariant($"printed more than {maxOutputBytes} bytes"));
            }

            await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
        }

        var code = await process.WaitForExitAsync(cancellationToken);
        return new MediaRun(code, output.ToArray(), process.Errors);
    }

    /// <summary>Waits for the exit and the end of stderr; cancelling kills the process tree.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw;
        }

        await _errorPump;
        return _process.ExitCode;
    }

    /// <summary>Waits for the exit; a non-zero status throws <see cref="MediaProcessException"/> naming the input.</summary>
    public async Task EnsureSuccessAsync(CancellationToken cancellationToken)
    {
        var code = await WaitForExitAsync(cancellationToken);
        if (code != 0)
        {
            throw Failure(code);
        }
    }

    /// <summary>The error for an exit status, with ffmpeg's last stderr line.</summary>
    public MediaProcessException Failure(int code) => new(Tool, Input, code, LastLine(Errors));

    /// <summary>Stops the child (and anything it started) now.</summary>
    public void Kill()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        // Killed before it counts as disposed: Kill() does nothing once disposed, and a child blocked on a full stdout
        // pipe that nobody reads any more would never exit on its own.
        Kill();
        _disposed = true;
        await _process.WaitForExitAsync(CancellationToken.None);
        await _errorPump;
        _process.Dispose();
    }

    /// <summary>The last non-empty line of <paramref name="text"/>, or "(no message)".</summary>
    public static string LastLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no message)" : lines[^1];
    }

    private async Task PumpErrorsAsync(StreamReader reader)
    {
        var buffer = new char[4096];
        try
        {
            int n;
            while ((n = await reader.ReadAsync(buffer.AsMemory(), CancellationToken.None)) > 0)
            {
                lock (_errors)
                {
                    _errors.Append(buffer, 0, n);
                    if (_errors.Length > ErrorTailChars)
                    {
                        _errors.Remove(0, _errors.Length - ErrorTailChars);
                    }
                }
            }
        }
        catch (IOException)
        {
            // The pipe broke with the process: what was read is kept.
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
