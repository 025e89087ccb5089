namespace InterPositive.Host.Cli;

/// <summary>A command line that parses but makes no sense (conflicting or out-of-range options).</summary>
public sealed class UsageException(string message) : Exception(message);
