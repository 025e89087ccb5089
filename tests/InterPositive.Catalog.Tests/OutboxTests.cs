using InterPositive.Catalog;
using InterPositive.Testing;
using Microsoft.Extensions.Time.Testing;

namespace InterPositive.Catalog.Tests;

[Trait("Category", "Unit")]
public sealed class OutboxTests
{
    [Fact]
    public void Entries_get_gap_free_sequences_and_survive_reopening()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "catalog.db");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
        using (var catalog = CatalogDatabase.Open(path, time))
        {
            for (var i = 0; i < 3; i++)
            {
                catalog.Write(tx => tx.Enqueue(new OutboxMessage("events", "test", $"{{\"n\":{i}}}", Retained: false)));
            }
        }

        using (var catalog = CatalogDatabase.Open(path, time))
        {
            var entries = catalog.Outbox.ReadAfter(0, 10);
            Assert.Equal([1L, 2L, 3L], entries.Select(e => e.Sequence));
            Assert.Equal(3, catalog.Outbox.Backlog("post").Count);
            catalog.Outbox.Acknowledge("post", 2);
            Assert.Equal(1, catalog.Outbox.Backlog("post").Count);
            Assert.Equal(2, catalog.Outbox.Checkpoint("post"));
        }
    }

    [Fact]
    public void A_failed_transaction_leaves_no_outbox_entry_and_no_gap()
    {
        using var folder = new TempFolder();
        using var catalog = CatalogDatabase.Open(Path.Combine(folder.Path, "catalog.db"), TimeProvider.System);
        Assert.Throws<InvalidOperationException>(() => catalog.Write(tx =>
        {
            tx.Enqueue(new OutboxMessage("cards", "A001", "{}", Retained: true));
            throw new InvalidOperationException("state change failed");
        }));
        var entry = catalog.Write(tx => tx.Enqueue(new OutboxMessage("cards", "A001", "{}", Retained: true)));
        Assert.Equal(1, entry.Sequence);
        Assert.Single(catalog.Outbox.ReadAfter(0, 10));
    }

    [Fact]
    public void A_second_open_of_the_same_file_in_one_process_is_refused()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "catalog.db");
        using var catalog = CatalogDatabase.Open(path, TimeProvider.System);
        Assert.Throws<InvalidOperationException>(() => CatalogDatabase.Open(path, TimeProvider.System));
    }
}
