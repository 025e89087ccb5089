namespace InterPositive.Catalog.Offload;

/// <summary>Typed access to the offload engine's per-file records and job records.</summary>
public static class OffloadStore
{
    /// <summary>The file records with these ids that exist (a resumed offload skips what they say is verified).</summary>
    public static IReadOnlyList<OffloadFileRecord> FileRecords(CatalogDatabase catalog, IEnumerable<string> ids) => catalog.Read(db =>
    {
        var files = db.GetCollection<OffloadFileRecord>(CatalogCollections.Files);
        return ids.Select(id => files.FindById(id)).Where(r => r is not null).Select(r => r!).ToList();
    });

    /// <summary>Inserts or replaces file records in the caller's transaction.</summary>
    public static void UpsertFileRecords(CatalogTransaction tx, IEnumerable<OffloadFileRecord> records)
    {
        var files = tx.Database.GetCollection<OffloadFileRecord>(CatalogCollections.Files);
        foreach (var record in records)
        {
            files.Upsert(record);
        }
    }

    /// <summary>Records the start of an offload run.</summary>
    public static void InsertJob(CatalogTransaction tx, OffloadJobDocument job) =>
        tx.Database.GetCollection<OffloadJobDocument>(CatalogCollections.OffloadJobs).Insert(job);

    /// <summary>Changes a job record in the caller's transaction; false when there is no such job.</summary>
    public static bool UpdateJob(CatalogTransaction tx, string jobId, Action<OffloadJobDocument> change)
    {
        var jobs = tx.Database.GetCollection<OffloadJobDocument>(CatalogCollections.OffloadJobs);
        if (jobs.FindById(jobId) is not { } job)
        {
            return false;
        }

        change(job);
        jobs.Update(job);
        return true;
    }
}
