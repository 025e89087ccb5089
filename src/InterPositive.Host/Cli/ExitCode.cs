namespace InterPositive.Host.Cli;

/// <summary>The exit codes every verb uses; scripts on the cart and in post branch on them.</summary>
public static class ExitCode
{
    public const int Success = 0;

    /// <summary>A check failed: a hash mismatch, a missing or altered file.</summary>
    public const int CheckFailed = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary>An input is malformed or cannot be read as what it claims to be.</summary>
    public const int BadInput = 3;

    /// <summary>The environment failed: I/O, a full or read-only drive, a broker or device not there.</summary>
    public const int Environment = 4;
}
