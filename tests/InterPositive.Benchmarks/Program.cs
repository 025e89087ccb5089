using BenchmarkDotNet.Running;

namespace InterPositive.Benchmarks;

/// <summary>
/// Two kinds of benchmark live here: BenchmarkDotNet classes (micro-benchmarks, run by name or filter) and
/// end-to-end suites (offload of a synthetic card, outbox drain, feed decode) that time our code and a baseline
/// in the same run and print ratios. Run: <c>dotnet run -c Release --project tests/InterPositive.Benchmarks -- SUITE</c>.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // As the host does at start: without it the offload's blocking file calls wait for the pool to grow.
        InterPositive.Offload.OffloadEngine.ReserveThreads();
        var suites = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IEndToEndBenchmark).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
            .Select(t => (IEndToEndBenchmark)Activator.CreateInstance(t)!)
            .ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
        if (args.Length > 0 && suites.TryGetValue(args[0], out var suite))
        {
            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                cancel.Cancel();
            };
            return await suite.RunAsync(args[1..], cancel.Token);
        }

        if (args.Length > 0 && args[0] is "list")
        {
            foreach (var name in suites.Keys.Order(StringComparer.Ordinal))
            {
                Console.WriteLine($"{name}: {suites[name].Description}");
            }

            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}

/// <summary>An end-to-end benchmark suite that measures our path and its baseline in the same run and prints ratios.</summary>
public interface IEndToEndBenchmark
{
    string Name { get; }

    string Description { get; }

    Task<int> RunAsync(string[] args, CancellationToken cancellationToken);
}
