using System.Diagnostics;
using InterPositive.Testing;
using LiteDB;

namespace InterPositive.Catalog.Tests;

/// <summary>One process per catalog, private files, and what a commit leaves on disk.</summary>
[Trait("Category", "Integration")]
public sealed class CatalogLockTests
{
    [Fact]
    public void A_second_lock_on_the_same_catalog_is_refused_with_who_holds_it()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("data", "interpositive.db");
        using (CatalogLock.Acquire(path, "the interpositive service"))
        {
            var refused = Assert.Throws<CatalogLockedException>(() => CatalogLock.Acquire(path, "offload"));
            Assert.Contains("the interpositive service", refused.Message, StringComparison.Ordinal);
            Assert.Contains($"pid {Environment.ProcessId}", refused.Message, StringComparison.Ordinal);
            Assert.Contains(folder.Combine("data"), refused.Message, StringComparison.Ordinal);
            Assert.Contains("/api/v1", refused.Message, StringComparison.Ordinal);
        }

        // Released on dispose: the next one gets it.
        using var again = CatalogLock.Acquire(path, "offload");
    }

    [Fact]
    public async Task The_lock_is_an_flock_that_another_process_sees_both_ways()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("interpositive.db");

        // We hold it: util-linux flock(1) in another process cannot take it.
        using (var catalog = CatalogDatabase.Open(path, TimeProvider.System, "test"))
        {
            Assert.Equal(1, await RunAsync("flock", "-n", "-E", "1", CatalogLock.PathFor(path), "true"));
        }

        Assert.Equal(0, await RunAsync("flock", "-n", "-E", "1", CatalogLock.PathFor(path), "true"));

        // Another process holds it: opening the catalog is refused with an IOException (exit 4 in the CLI).
        // -o: only flock(1) itself holds the lock, so it is released the moment that process is gone.
        using var holder = Process.Start(new ProcessStartInfo("flock", ["-n", "-o", CatalogLock.PathFor(path), "sh", "-c", "echo held; exec sleep 60"]) { RedirectStandardOutput = true })!;
        try
        {
            Assert.Equal("held", await holder.StandardOutput.ReadLineAsync());
            var refused = Assert.Throws<CatalogLockedException>(() => CatalogDatabase.Open(path, TimeProvider.System));
            Assert.IsAssignableFrom<IOException>(refused);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();
        }

        using var reopened = CatalogDatabase.Open(path, TimeProvider.System);
    }

    [Fact]
    public void The_catalog_its_log_and_its_lock_are_0600_in_a_0700_folder()
    {
        using var folder = new TempFolder();
        var data = folder.Combine("data", "nested");
        var path = Path.Combine(data, "interpositive.db");
        using (var catalog = CatalogDatabase.Open(path, TimeProvider.System))
        {
            catalog.Write(tx => tx.Enqueue(new OutboxMessage("cards", "A001", "{}", Retained: true)));
            Assert.Equal(CatalogFiles.FileMode, File.GetUnixFileMode(Path.Combine(data, "interpositive-log.db")));
        }

        Assert.Equal(CatalogFiles.FolderMode, File.GetUnixFileMode(data));
        Assert.Equal(CatalogFiles.FolderMode, File.GetUnixFileMode(folder.Combine("data")));
        Assert.Equal(CatalogFiles.FileMode, File.GetUnixFileMode(path));
        Assert.Equal(CatalogFiles.FileMode, File.GetUnixFileMode(CatalogLock.PathFor(path)));

        // A catalog made 0644 by an older build is made private when opened.
        File.SetUnixFileMode(path, CatalogFiles.FileMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using (CatalogDatabase.Open(path, TimeProvider.System))
        {
            Assert.Equal(CatalogFiles.FileMode, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void A_commit_lives_in_the_log_until_a_checkpoint_writes_and_syncs_it_into_the_data_file()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("interpositive.db");
        using var catalog = CatalogDatabase.Open(path, TimeProvider.System);
        catalog.Write(tx => tx.Enqueue(new OutboxMessage("cards", "A001", "{}", Retained: true)));

        // What a power cut would leave if the log had not reached the disk: the data file alone.
        Assert.Equal(0, OutboxEntriesInDataFileAlone(path, folder.Combine("before.db")));
        catalog.Checkpoint();
        Assert.Equal(1, OutboxEntriesInDataFileAlone(path, folder.Combine("after.db")));
    }

    private static int OutboxEntriesInDataFileAlone(string path, string copy)
    {
        File.Copy(path, copy);
        using var database = new LiteDatabase(new ConnectionString { Filename = copy, Connection = ConnectionType.Direct, ReadOnly = true });
        return database.CollectionExists("outbox") ? database.GetCollection("outbox").Count() : 0;
    }

    private static async Task<int> RunAsync(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments))!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
