using System.Text.Json;
using InterPositive.Testing;

namespace InterPositive.Host.Tests;

/// <summary>The demo as a new user runs it: the built executable as a child process.</summary>
[Trait("Category", "Integration")]
public sealed class DemoCliTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task Demo_exit_json_prints_every_step_sets_a_look_exported_as_CDL_and_links_the_real_port()
    {
        using var folder = new TempFolder("ip-demo");
        var run = await SyncCli.RunAsync(folder.Combine("data"), Bound, "demo", "--exit", "--json", "--folder", folder.Combine("demo"));

        Assert.True(run.Code == 0, run.Stderr);
        using var summary = JsonDocument.Parse(run.Stdout);
        var root = summary.RootElement;
        Assert.True(root.GetProperty("ok").GetBoolean());
        var steps = root.GetProperty("steps").EnumerateArray().ToList();
        Assert.All(steps, s => Assert.True(s.GetProperty("ok").GetBoolean(), s.GetProperty("step").GetString() + ": " + s.GetProperty("detail").GetString()));
        Assert.Contains(steps, s => s.GetProperty("step").GetString()!.StartsWith("set look", StringComparison.Ordinal));
        Assert.Equal(4, steps.Count(s => s.GetProperty("step").GetString()!.StartsWith("measure light", StringComparison.Ordinal)));
        Assert.True(root.GetProperty("cardToPostSeconds").GetDouble() > 0);
        Assert.NotEmpty(Directory.GetFiles(root.GetProperty("exports").GetString()!, "*.cdl", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(root.GetProperty("exports").GetString()!, "*.ccc", SearchOption.AllDirectories)));

        // The sign-in link names the port the dashboard really listens on, never port 0.
        var dashboard = new Uri(root.GetProperty("dashboard").GetString()!);
        Assert.NotEqual(0, dashboard.Port);
        var signIn = run.Stderr.Split('\n').Single(l => l.Contains("#signin=", StringComparison.Ordinal));
        Assert.Contains($"127.0.0.1:{dashboard.Port}/#signin=", signIn, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task The_demo_stops_on_a_signal_while_it_works(string signal)
    {
        using var folder = new TempFolder("ip-demo");
        using var demo = SyncCli.Start(folder.Combine("data"), interruptible: true, "demo", "--folder", folder.Combine("demo"));
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        demo.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("is ready", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        demo.BeginOutputReadLine();
        var stderr = demo.StandardError.ReadToEndAsync();
        try
        {
            await ready.Task.WaitAsync(Bound);
            await SyncCli.SignalAsync(demo, signal);

            // A generous deadline, not a timing assertion: the demo must exit on its own rather than hang.
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await demo.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
        finally
        {
            if (!demo.HasExited)
            {
                demo.Kill(entireProcessTree: true);
                Assert.Fail($"the demo was not ready, or did not exit within 60 s of SIG{signal}; it logged: {await stderr}");
            }
        }

        Assert.True(demo.HasExited, await stderr);
    }
}
