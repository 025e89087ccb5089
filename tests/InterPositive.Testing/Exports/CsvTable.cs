namespace InterPositive.Testing.Exports;

/// <summary>
/// Reads the post house's CSV exports (RFC 4180: quoted fields, doubled quotes, no newlines inside a field, which our
/// exporter never writes) into rows keyed by the header's column names.
/// </summary>
public static class CsvTable
{
    /// <summary>The header and one dictionary per data row; a row with more cells than the header throws.</summary>
    public static (IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyDictionary<string, string>> Rows) Read(string text)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0)
        {
            throw new InvalidDataException("empty CSV: no header");
        }

        var header = Cells(lines[0]);
        var rows = new List<IReadOnlyDictionary<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            var cells = Cells(line);
            if (cells.Count != header.Count)
            {
                throw new InvalidDataException($"CSV row has {cells.Count} cells for {header.Count} columns: {line}");
            }

            rows.Add(header.Zip(cells).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal));
        }

        return (header, rows);
    }

    /// <summary>The cells of one line.</summary>
    public static IReadOnlyList<string> Cells(string line)
    {
        var cells = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '"')
            {
                if (quoted && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else
                {
                    quoted = !quoted;
                }
            }
            else if (c == ',' && !quoted)
            {
                cells.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        cells.Add(current.ToString());
        return cells;
    }
}
