using System.Text;
using InterPositive.Formats.Ale;
using InterPositive.Formats.AscMhl;
using InterPositive.Formats.Blackmagic;
using InterPositive.Formats.Cdl;
using InterPositive.Formats.Sony;
using InterPositive.Testing;
using InterPositive.Testing.Media;
using static InterPositive.Formats.Tests.Fuzz.LengthFuzz;
using CdlCorrection = InterPositive.Formats.Cdl.Cdl;

namespace InterPositive.Formats.Tests.Fuzz;

/// <summary>
/// The text readers (ASC MHL manifests and <c>ascmhl_chain.xml</c>, ASC CDL .cc/.ccc/.cdl, ALE, Sony NonRealTimeMeta,
/// Blackmagic RAW sidecar JSON)
/// against what a hostile card can hold: DTDs and external entities (XXE), entity expansion, deep nesting, huge and
/// negative numbers, overlong lines, more fields than columns, and every truncation and random overwrite of a real
/// sample. The answer is a result or one line of malformed input naming the file.
/// </summary>
[Trait("Category", "Unit")]
public sealed class TextParserFuzzTests
{
    private static readonly string Scenario = ReferenceData.Path("ascmhl", "scenarios", "scenario_03", "file_server", "A002R2EC", "ascmhl");

    public static TheoryData<string> Readers => ["mhl", "chain", "cdl", "nrt", "ale", "braw"];

    private static byte[] Sample(string reader) => reader switch
    {
        "mhl" => File.ReadAllBytes(Path.Combine(Scenario, "0002_A002R2EC_2020-01-17_143000Z.mhl")),
        "chain" => File.ReadAllBytes(Path.Combine(Scenario, MhlNames.ChainFileName)),
        "cdl" => File.ReadAllBytes(ReferenceData.Path("cdl", "cdl_test1.ccc")),
        "nrt" => Encoding.UTF8.GetBytes(new SonyXmlWriter().Build()),
        "braw" => Encoding.UTF8.GetBytes(BrawSidecarWriter.Build(BrawSidecarWriter.Typical())),
        _ => File.ReadAllBytes(ReferenceData.Path("ale", "sample_cdl.ale")),
    };

    private static void Parse(string reader, byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        switch (reader)
        {
            case "mhl":
                _ = MhlReader.Read(stream, Source);
                break;
            case "chain":
                _ = MhlReader.ReadChain(stream, Source);
                break;
            case "cdl":
                _ = CdlXml.Read(stream, Source);
                break;
            case "nrt":
                _ = NonRealTimeMeta.Read(stream, Source, "Clip/C0001.MXF");
                break;
            case "braw":
                _ = BrawSidecar.Read(stream, Source, "A001_05111841_C004.braw");
                break;
            default:
                using (var text = new StreamReader(stream, Encoding.UTF8))
                {
                    var ale = AleFile.Read(text, Source);
                    foreach (var row in ale.Rows.Where(r => ale.Cell(r, "ASC_SOP") is not null))
                    {
                        _ = CdlCorrection.FromAsc(ale.Cell(row, "ASC_SOP")!, ale.Cell(row, "ASC_SAT"), source: Source);
                    }
                }

                break;
        }
    }

    private static MalformedInputException Refused(string reader, string text)
    {
        var error = Assert.Throws<MalformedInputException>(() => Parse(reader, Encoding.UTF8.GetBytes(text)));
        Assert.Equal(Source, error.SourceName);
        Assert.DoesNotContain('\n', error.Message);
        return error;
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public void Every_truncation_and_random_overwrite_gives_a_result_or_malformed_input(string reader)
    {
        var sample = Sample(reader);
        Parse(reader, sample);
        Truncations(sample, b => Parse(reader, b));
        Random(sample, b => Parse(reader, b));
    }

    [Theory]
    [InlineData("mhl", "hashlist")]
    [InlineData("chain", "ascmhldirectory")]
    [InlineData("cdl", "ColorCorrection")]
    [InlineData("nrt", "NonRealTimeMeta")]
    public void External_entities_and_entity_expansion_are_refused(string reader, string root)
    {
        // XXE: a SYSTEM entity naming a local file; the DTD is refused before anything is resolved.
        var xxe = Refused(reader, $"<?xml version=\"1.0\"?>\n<!DOCTYPE {root} [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<{root}>&xxe;</{root}>");
        Assert.Contains("DTD", xxe.Message, StringComparison.Ordinal);
        Assert.Equal("DOCTYPE", xxe.Field);
        Assert.DoesNotContain("root:", xxe.Message, StringComparison.Ordinal);

        // Billion laughs: nested internal entities.
        var laughs = new StringBuilder($"<?xml version=\"1.0\"?><!DOCTYPE {root} [<!ENTITY l0 \"lol\">");
        for (var i = 1; i < 10; i++)
        {
            laughs.Append(FormattableString.Invariant($"<!ENTITY l{i} \"&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};\">"));
        }

        Refused(reader, laughs.Append($"]><{root}>&l9;</{root}>").ToString());

        // An external DTD by PUBLIC id.
        Refused(reader, $"<!DOCTYPE {root} PUBLIC \"-//x//y\" \"http://169.254.169.254/latest\"><{root}/>");
    }

    [Theory]
    [InlineData("mhl", "hashlist", "creatorinfo")]
    [InlineData("chain", "ascmhldirectory", "hashlist")]
    [InlineData("cdl", "ColorCorrection", "Description")]
    [InlineData("nrt", "NonRealTimeMeta", "Duration")]
    public void Deep_nesting_is_refused_at_the_limit_naming_the_line(string reader, string root, string child)
    {
        // 100 000 levels: LINQ to XML reads an element's value recursively, so without the limit this is a stack overflow.
        const int Depth = 100_000;
        var xml = new StringBuilder($"<{root}><{child}>");
        xml.Insert(xml.Length, "<a>", Depth).Insert(xml.Length, "</a>", Depth).Append($"</{child}></{root}>");
        var error = Refused(reader, xml.ToString());
        Assert.Contains("nested deeper than 64", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("line 1", error.Field, StringComparison.Ordinal);

        // Shallow enough, the same document shape is read (or refused for its content, never for its depth).
        var shallow = new StringBuilder($"<{root}><{child}>").Insert(0, string.Empty);
        shallow.Insert(shallow.Length, "<a>", 50).Insert(shallow.Length, "</a>", 50).Append($"</{child}></{root}>");
        Expect(() => Parse(reader, Encoding.UTF8.GetBytes(shallow.ToString())), "50 levels");
    }

    [Fact]
    public void The_character_budget_is_checked_while_reading()
    {
        // A stream that never ends: refused at the budget, not read to the end of memory.
        using var endless = new EndlessStream("<hashlist><hashes>"u8.ToArray(), "<a/>"u8.ToArray());
        var error = Assert.Throws<MalformedInputException>(() => SafeXml.Load(endless, Source, maxCharacters: 1 << 20));
        Assert.Equal(Source, error.SourceName);
        Assert.InRange(endless.Position, 1 << 20, 4 << 20);

        // And the element count, which bounds the tree where the characters alone would not.
        using var elements = new EndlessStream("<hashlist><hashes>"u8.ToArray(), "<a/>"u8.ToArray());
        var counted = Assert.Throws<MalformedInputException>(() => SafeXml.Load(elements, Source, maxCharacters: 64 << 20, maxElements: 10_000));
        Assert.Contains("more than 10000 elements", counted.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("99999999999999999999999")]
    [InlineData("-1")]
    [InlineData("-9223372036854775808")]
    [InlineData("1e3")]
    [InlineData("0x10")]
    public void Mhl_sizes_that_are_not_byte_counts_are_malformed_input_naming_the_field(string size)
    {
        var text = Encoding.UTF8.GetString(Sample("mhl"));
        var at = text.IndexOf("size=\"", StringComparison.Ordinal) + 6;
        var end = text.IndexOf('"', at);
        var error = Refused("mhl", text[..at] + size + text[end..]);
        Assert.Equal("hash/path@size", error.Field);
    }

    [Fact]
    public void A_value_with_line_breaks_quoted_in_the_error_stays_one_line()
    {
        // Found by the random run: a hash value holding a line feed split the error (and the CLI's line) in two.
        var text = Encoding.UTF8.GetString(Sample("mhl"));
        var at = text.IndexOf("</xxh64>", StringComparison.Ordinal);
        var error = Refused("mhl", text[..at] + "\nFORGED LOG LINE" + text[at..]);
        Assert.True(error.Message.Contains("\\nforged log line", StringComparison.Ordinal), error.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("2147483648")]
    [InlineData("99999999999999999999")]
    [InlineData("")]
    public void Chain_generation_numbers_out_of_range_are_malformed_input_naming_the_field(string sequence)
    {
        var text = Encoding.UTF8.GetString(Sample("chain")).Replace("sequencenr=\"1\"", $"sequencenr=\"{sequence}\"", StringComparison.Ordinal);
        Assert.Equal("hashlist@sequencenr", Refused("chain", text).Field);
    }

    [Fact]
    public void Chain_generation_at_int_max_reads()
    {
        var text = Encoding.UTF8.GetString(Sample("chain")).Replace("sequencenr=\"1\"", "sequencenr=\"2147483647\"", StringComparison.Ordinal);
        Assert.Contains(MhlReader.ReadChain(new MemoryStream(Encoding.UTF8.GetBytes(text)), Source), e => e.Generation == int.MaxValue);
    }

    [Theory]
    [InlineData("1e999 1 1", "not a number")]
    [InlineData("-1e999 1 1", "not a number")]
    [InlineData("NaN 1 1", "not a number")]
    [InlineData("1 1", "three numbers, found 2")]
    [InlineData("1 1 1 1", "three numbers, found 4")]
    [InlineData("", "three numbers, found 0")]
    public void Cdl_numbers_out_of_range_or_miscounted_are_malformed_input_naming_the_element_and_line(string slope, string cause)
    {
        var error = Refused("cdl", $"<ColorCorrection id=\"a\">\n<SOPNode>\n<Slope>{slope}</Slope>\n</SOPNode></ColorCorrection>");
        Assert.Contains(cause, error.Message, StringComparison.Ordinal);
        Assert.Equal("Slope (line 3)", error.Field);
    }

    [Fact]
    public void Cdl_extreme_but_finite_numbers_read()
    {
        var cdl = Assert.Single(CdlXml.Parse("<ColorCorrection><SOPNode><Slope>1.7976931348623157e308 -1.7976931348623157e308 4.9e-324</Slope></SOPNode><SatNode><Saturation>-0</Saturation></SatNode></ColorCorrection>", Source));
        Assert.Equal(double.MaxValue, cdl.Slope.R);
    }

    [Fact]
    public void Ale_overlong_lines_are_refused_before_they_are_kept()
    {
        var line = new string('x', AleFile.MaxLineChars + 1);
        var error = Refused("ale", "Heading\nFIELD_DELIM\tTABS\n\nColumn\nName\n\nData\n" + line + "\n");
        Assert.Equal("line 8", error.Field);
        Assert.Contains("longer than", error.Message, StringComparison.Ordinal);

        // A line of exactly the limit is read.
        Assert.Single(AleFile.Parse("Column\nName\nData\n" + line[1..] + "\n", Source).Rows);
    }

    [Fact]
    public void Ale_columns_and_fields_are_checked_against_the_header_and_the_budget()
    {
        // More fields than columns, with text in the extra ones.
        var extra = Refused("ale", "Column\nName\tTake\nData\nA001\t1\tstray\n");
        Assert.Equal("line 4", extra.Field);
        Assert.Contains("3 fields for 2 columns", extra.Message, StringComparison.Ordinal);

        // Fewer fields than columns: padded with empty cells, as Avid writes them.
        var short_ = AleFile.Parse("Column\nName\tTake\tScene\nData\nA001\n", Source);
        Assert.Null(short_.Cell(short_.Rows[0], "Take"));

        // Too many columns.
        var wide = Refused("ale", "Column\n" + string.Join('\t', Enumerable.Range(0, AleFile.MaxColumns + 1).Select(i => "c" + i)) + "\nData\n");
        Assert.StartsWith("line 2", wide.Field, StringComparison.Ordinal);

        // A wide Column line and many one-character rows: refused at the cell budget, not padded into gigabytes.
        var rows = (int)(AleFile.MaxCells / AleFile.MaxColumns) + 1;
        var flood = new StringBuilder("Column\n").Append(string.Join('\t', Enumerable.Range(0, AleFile.MaxColumns).Select(i => "c" + i))).Append("\nData\n");
        flood.Insert(flood.Length, "x\n", rows);
        var cells = Refused("ale", flood.ToString());
        Assert.Contains("cells", cells.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("(1 1 1)(0 0 0)(1 1)", "found 8")]
    [InlineData("(1e999 1 1)(0 0 0)(1 1 1)", "not a number")]
    [InlineData("(1 1 1)(0 0 0)(1 1 1)(1)", "found 10")]
    public void Ale_asc_sop_miscounted_or_out_of_range_is_malformed_input(string sop, string cause)
    {
        var error = Assert.Throws<MalformedInputException>(() => CdlCorrection.FromAsc(sop, "1"));
        Assert.Equal("ASC_SOP", error.Field);
        Assert.Contains(cause, error.Message, StringComparison.Ordinal);
    }

    /// <summary>A read-only stream of a head and then one pattern forever.</summary>
    private sealed class EndlessStream(byte[] head, byte[] pattern) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            for (var i = 0; i < count; i++, _position++)
            {
                buffer[offset + i] = _position < head.Length ? head[_position] : pattern[(_position - head.Length) % pattern.Length];
            }

            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
