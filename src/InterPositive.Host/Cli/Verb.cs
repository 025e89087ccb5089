using System.CommandLine;

namespace InterPositive.Host.Cli;

/// <summary>Turns a verb body into a command action with the shared logging, exit codes and error lines.</summary>
public static class Verb
{
    // logName: the verb as its logs and error lines name it, for a sub-verb ("tokens" for "tokens list"); default name.
    public static Command Define(string name, string description, Action<Command> configure, Func<VerbContext, Task<int>> run, string? logName = null)
    {
        var command = new Command(name, description);
        configure(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var context = VerbContext.Create(logName ?? name, parse, cancellationToken);
            try
            {
                return await run(context);
            }
            catch (Exception error)
            {
                return context.Fail(error);
            }
        });
        return command;
    }
}
