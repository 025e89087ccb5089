using CsCheck;
using InterPositive.Formats.Cdl;
using InterPositive.Testing;
using Correction = InterPositive.Formats.Cdl.Cdl;

namespace InterPositive.Formats.Tests.Cdl;

[Trait("Category", "Unit")]
public sealed class CdlTests
{
    private static IReadOnlyList<Correction> Load(string name)
    {
        using var stream = File.OpenRead(ReferenceData.Path("cdl", name));
        return CdlXml.Read(stream, name);
    }

    [Fact]
    public void Reads_the_ocio_cc_sample()
    {
        var cdl = Assert.Single(Load("cdl_test1.cc"));
        Assert.Equal("foo", cdl.Id);
        Assert.Equal(new CdlTriple(1.1, 1.2, 1.3), cdl.Slope);
        Assert.Equal(new CdlTriple(2.1, 2.2, 2.3), cdl.Offset);
        Assert.Equal(new CdlTriple(3.1, 3.2, 3.3), cdl.Power);
        Assert.Equal(0.7, cdl.Saturation);
        Assert.Equal("this is a description", cdl.Description);
    }

    [Theory]
    [InlineData("cdl_test_SATNode.cc")]
    [InlineData("cdl_test_ASC_SAT.cc")]
    [InlineData("cdl_test_ASC_SOP.cc")]
    public void Accepts_the_alternative_node_spellings(string name)
    {
        var cdl = Assert.Single(Load(name));
        Assert.Equal(0.42, cdl.Saturation);
        Assert.Equal(new CdlTriple(1.1, 1.2, 1.3), cdl.Slope);
    }

    [Fact]
    public void Reads_a_collection_with_empty_and_missing_ids()
    {
        var all = Load("cdl_test1.ccc");
        Assert.Equal(5, all.Count);
        Assert.Equal("cc0001", all[0].Id);
        Assert.Equal(new CdlTriple(-0.03, -0.02, 0), all[0].Offset);
        Assert.Equal(1.7, all[0].Saturation);
        Assert.Null(all[3].Id);
        Assert.Null(all[4].Id);
        Assert.Equal(0, all[4].Saturation);
        Assert.Equal(CdlTriple.One, all[4].Slope);
    }

    [Fact]
    public void Reads_a_decision_list_with_media_refs()
    {
        var all = Load("cdl_test1.cdl");
        Assert.True(all.Count >= 2);
        Assert.Equal("some/Project/image.dpx", all[0].MediaRef);
        Assert.Equal("cc0001", all[0].Id);
    }

    [Fact]
    public void A_cc_inside_a_ccc_extension_still_loads() =>
        Assert.True(Assert.Single(Load("cdl_test_cc_file_with_extension.ccc")).IsIdentity);

    [Fact]
    public void Written_documents_read_back_identically()
    {
        var looks = Load("cdl_test1.ccc");
        foreach (var document in new[] { CdlXml.ToCollection(looks), CdlXml.ToDecisionList(looks) })
        {
            using var buffer = new MemoryStream();
            CdlXml.Write(document, buffer);
            var text = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
            Assert.Contains("urn:ASC:CDL:v1.01", text, StringComparison.Ordinal);
            buffer.Position = 0;
            var back = CdlXml.Read(buffer, "written");
            Assert.Equal(looks.Count, back.Count);
            for (var i = 0; i < looks.Count; i++)
            {
                Assert.Equal(looks[i].Slope, back[i].Slope);
                Assert.Equal(looks[i].Offset, back[i].Offset);
                Assert.Equal(looks[i].Power, back[i].Power);
                Assert.Equal(looks[i].Saturation, back[i].Saturation);
                Assert.Equal(looks[i].Id, back[i].Id);
            }
        }
    }

    [Fact]
    public void Ale_values_keep_at_least_six_decimals_and_read_back()
    {
        var cdl = new Correction("A005_C010", new CdlTriple(0.8714, 0.9334, 0.9947), new CdlTriple(-0.087, -0.0922, -0.0808), new CdlTriple(0.9988, 1.0218, 1.0101), 0.9);
        Assert.Equal("(0.871400 0.933400 0.994700)(-0.087000 -0.092200 -0.080800)(0.998800 1.021800 1.010100)", cdl.ToAscSop());
        Assert.Equal("0.900000", cdl.ToAscSat());
        var back = Correction.FromAsc(cdl.ToAscSop(), cdl.ToAscSat(), cdl.Id);
        Assert.Equal(cdl, back);
        Assert.Throws<MalformedInputException>(() => Correction.FromAsc("(1 1 1)(0 0)(1 1 1)", "1"));
        Assert.Throws<MalformedInputException>(() => Correction.FromAsc("(1 1 1)(0 0 x)(1 1 1)", "1"));

        // A slope of 0.00001 used to arrive as 0 at four decimals.
        var tiny = new Correction("tiny", new CdlTriple(0.00001, 1, 1), CdlTriple.Zero, CdlTriple.One, 1.0000005);
        Assert.StartsWith("(0.000010 1.000000 1.000000)", tiny.ToAscSop(), StringComparison.Ordinal);
        Assert.Equal(0.00001, Correction.FromAsc(tiny.ToAscSop(), tiny.ToAscSat()).Slope.R, 12);
        Assert.Equal(1.0000005, Correction.FromAsc(tiny.ToAscSop(), tiny.ToAscSat()).Saturation, 12);
        Gen.Double[-4, 4].Select(Gen.Double[0, 4]).Sample((offset, slope) =>
        {
            var back = Correction.FromAsc(new Correction(null, new CdlTriple(slope, slope, slope), new CdlTriple(offset, offset, offset), CdlTriple.One, slope).ToAscSop(), "1");
            Assert.Equal(slope, back.Slope.R, 6);
            Assert.Equal(offset, back.Offset.B, 6);
        }, iter: 500);
    }

    [Fact]
    public void Apply_follows_the_asc_maths()
    {
        var cdl = new Correction(null, new CdlTriple(1.2, 1.0, 0.8), new CdlTriple(0.01, 0, -0.02), new CdlTriple(1.1, 1.0, 0.9), 0.8);
        var (r, g, b) = cdl.Apply(0.5, 0.4, 0.3);
        var sr = Math.Pow(0.61, 1.1);
        var sg = 0.4;
        var sb = Math.Pow(0.22, 0.9);
        var luma = (0.2126 * sr) + (0.7152 * sg) + (0.0722 * sb);
        Assert.Equal(luma + (0.8 * (sr - luma)), r, 1e-12);
        Assert.Equal(luma + (0.8 * (sg - luma)), g, 1e-12);
        Assert.Equal(luma + (0.8 * (sb - luma)), b, 1e-12);

        var hot = new Correction(null, new CdlTriple(4, 4, 4), new CdlTriple(-0.5, -0.5, -0.5), CdlTriple.One, 1);
        Assert.Equal((1.0, 0.0, 1.0), hot.Apply(1, 0, 0.5, CdlStyle.AscV12));
        var (nr, ng, _) = hot.Apply(1, 0, 0.5, CdlStyle.NoClamp);
        Assert.Equal(3.5, nr);
        Assert.Equal(-0.5, ng);
    }

    [Fact]
    public void Identity_changes_nothing_and_clamped_output_stays_in_range() =>
        Gen.Select(Gen.Double[0, 1], Gen.Double[0, 1], Gen.Double[0, 1], Gen.Double[0.1, 3], Gen.Double[-0.5, 0.5], Gen.Double[0.2, 3], Gen.Double[0, 2]).Sample((r, g, b, s, o, p, sat) =>
        {
            var (ir, ig, ib) = Correction.Identity.Apply(r, g, b);
            var look = new Correction(null, new CdlTriple(s, s, s), new CdlTriple(o, o, o), new CdlTriple(p, p, p), sat);
            var (cr, cg, cb) = look.Apply(r, g, b);
            return Math.Abs(ir - r) < 1e-12 && Math.Abs(ig - g) < 1e-12 && Math.Abs(ib - b) < 1e-12
                && cr is >= 0 and <= 1 && cg is >= 0 and <= 1 && cb is >= 0 and <= 1;
        });

    [Theory]
    [InlineData("<ColorCorrection><SOPNode><Slope>1 1</Slope></SOPNode></ColorCorrection>")]
    [InlineData("<ColorCorrection><SOPNode><Slope>1 1 x</Slope></SOPNode></ColorCorrection>")]
    [InlineData("<ColorCorrection><SatNode><Saturation>NaN</Saturation></SatNode></ColorCorrection>")]
    [InlineData("<Look/>")]
    [InlineData("<ColorCorrection>")]
    [InlineData("")]
    public void Malformed_documents_name_the_file(string xml)
    {
        var error = Assert.Throws<MalformedInputException>(() => CdlXml.Parse(xml, "bad.cc"));
        Assert.StartsWith("bad.cc", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mutated_documents_yield_corrections_or_a_malformed_input_error()
    {
        var original = File.ReadAllBytes(ReferenceData.Path("cdl", "cdl_test1.ccc"));
        Gen.Select(Gen.Int[0, original.Length - 1], Gen.Byte, Gen.Int[1, original.Length]).Sample((at, value, keep) =>
        {
            var bytes = original.AsSpan(0, keep).ToArray();
            if (at < bytes.Length)
            {
                bytes[at] = value;
            }

            try
            {
                using var stream = new MemoryStream(bytes);
                CdlXml.Read(stream, "fuzz.ccc");
            }
            catch (MalformedInputException)
            {
            }
        }, iter: 300);
    }
}
