using System.Text;
using CsCheck;
using InterPositive.Formats.Blackmagic;
using InterPositive.Formats.Clips;
using InterPositive.Formats.Mxf;
using InterPositive.Formats.QuickTime;
using InterPositive.Formats.Sony;
using InterPositive.Testing.Media;

namespace InterPositive.Formats.Tests.Clips;

/// <summary>
/// Camera fields as the trade names them, on fixtures built from each family's documented layout: the camera body's
/// model and serial (never an external recorder's), the iris as a T-stop or an f-number as the camera states it, and
/// the codec by its trade name with the container's identifier kept in codecId.
/// </summary>
[Trait("Category", "Unit")]
public sealed class CameraFieldsTests
{
    private static ClipRecord Mov(MovWriter mov, string name = "clip.mov")
    {
        using var stream = new MemoryStream(mov.Build());
        return QuickTimeClip.Read(stream, name);
    }

    private static ClipRecord Mxf(MxfWriter mxf)
    {
        using var stream = new MemoryStream(mxf.Build());
        return MxfClip.Read(stream, "clip.mxf");
    }

    private static ClipRecord SonyXml(SonyXmlWriter xml)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(xml.Build()));
        return NonRealTimeMeta.Read(stream, "C0001M01.XML", "XDROOT/Clip/C0001.MXF");
    }

    [Theory]
    [InlineData("T2.8", 2.8, null)]
    [InlineData("t4", 4.0, null)]
    [InlineData("2.8", 2.8, null)]
    [InlineData("F2.8", null, 2.8)]
    [InlineData("f/5.6", null, 5.6)]
    public void Arri_lens_iris_is_a_t_stop_unless_it_says_f(string iris, double? tStop, double? fNumber)
    {
        var mov = new MovWriter();
        mov.Metadata.Add(new("com.arri.camera.CameraModel", "ALEXA Mini LF"));
        mov.Metadata.Add(new("com.arri.camera.LensIris", iris));
        var clip = Mov(mov);
        Assert.Equal(tStop, clip.Lens.TStop);
        Assert.Equal(fNumber, clip.Lens.FNumber);
    }

    [Fact]
    public void Rdd18_f_number_and_t_number_keys_stay_apart()
    {
        var mov = new MovWriter();
        mov.Metadata.Add(new("org.smpte.rdd18.lens.irisfnumber", "F1.8"));
        mov.Metadata.Add(new("org.smpte.rdd18.lens.iristnumber", "T2.0"));
        var clip = Mov(mov);
        Assert.Equal((1.8, 2.0), (clip.Lens.FNumber!.Value, clip.Lens.TStop!.Value));
    }

    [Theory]
    [InlineData("T2.1", 2.1, null)]
    [InlineData("f2.8", null, 2.8)]
    [InlineData("2.8", null, 2.8)]
    public void Blackmagic_aperture_follows_its_letter(string aperture, double? tStop, double? fNumber)
    {
        var values = BrawSidecarWriter.Typical();
        values["aperture"] = aperture;
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(BrawSidecarWriter.Build(values)));
        var clip = BrawSidecar.Read(stream, "A.sidecar", "A.braw");
        Assert.Equal(tStop, clip.Lens.TStop);
        Assert.Equal(fNumber, clip.Lens.FNumber);
        Assert.Equal("Blackmagic URSA Cine 12K LF", clip.Camera.Model);
    }

    [Fact]
    public void An_external_recorder_in_a_prores_raw_movie_is_not_the_camera()
    {
        // An Atomos recorder signs the MOV it writes (udta and com.apple.quicktime make/model, its own serial key);
        // the camera body comes from the camera's keys, here ARRI's.
        var mov = new MovWriter { Codec = "aprh" };
        mov.UserData["\u00A9mak"] = "Atomos";
        mov.UserData["\u00A9mod"] = "NINJA V+";
        mov.Metadata.Add(new("com.apple.quicktime.make", "Atomos"));
        mov.Metadata.Add(new("com.apple.quicktime.model", "NINJA V+"));
        mov.Metadata.Add(new("com.atomos.serialnumber", "AT-0001234"));
        mov.Metadata.Add(new("com.arri.camera.CameraModel", "ALEXA Mini LF"));
        mov.Metadata.Add(new("com.arri.camera.CameraSerialNumber", "2871"));
        var clip = Mov(mov);
        Assert.Equal(new CameraInfo { Make = "ARRI", Model = "ALEXA Mini LF", Serial = "2871" }, clip.Camera);
        Assert.Equal(("Apple ProRes RAW HQ", "aprh"), (clip.Codec, clip.CodecId));

        // Without camera keys the body stays unknown rather than named after the recorder.
        var bare = new MovWriter { Codec = "aprn" };
        bare.UserData["\u00A9mak"] = "Atomos";
        bare.UserData["\u00A9mod"] = "SHOGUN CONNECT";
        bare.Metadata.Add(new("com.atomos.serialnumber", "AT-0009"));
        var unknown = Mov(bare);
        Assert.Equal(new CameraInfo(), unknown.Camera);
    }

    [Fact]
    public void A_camera_that_signs_its_own_movie_is_the_camera()
    {
        var mov = new MovWriter();
        mov.Metadata.Add(new("com.apple.quicktime.make", "Canon"));
        mov.Metadata.Add(new("com.apple.quicktime.model", "EOS C500 Mark II"));
        Assert.Equal(new CameraInfo { Make = "Canon", Model = "EOS C500 Mark II" }, Mov(mov).Camera);
    }

    [Theory]
    [InlineData("Sony", "AXS-R7")]
    [InlineData("Blackmagic Design", "HyperDeck Extreme 8K HDR")]
    [InlineData("AJA Video Systems", "Ki Pro Ultra 12G")]
    public void An_mxf_written_by_a_recorder_does_not_name_it_as_the_camera(string company, string product)
    {
        var clip = Mxf(new MxfWriter { Company = company, Product = product });
        Assert.NotEqual(product, clip.Camera.Model);
        Assert.Null(clip.Camera.Model);
    }

    [Fact]
    public void An_mxf_written_by_the_camera_names_the_camera()
    {
        var clip = Mxf(new MxfWriter());
        Assert.Equal(("ARRI", "ALEXA 35"), (clip.Camera.Make, clip.Camera.Model));
        Assert.Equal(2.8, clip.Lens.FNumber);
        Assert.Null(clip.Lens.TStop);
    }

    [Fact]
    public void Sony_xml_names_the_camera_body_not_the_recorder()
    {
        var clip = SonyXml(new SonyXmlWriter { Model = "MPC-3610", Serial = "0012345", Recorder = ("AXS-R7", "0200817") });
        Assert.Equal(new CameraInfo { Make = "Sony", Model = "MPC-3610", Serial = "0012345" }, clip.Camera);

        // A camcorder is its own recording device.
        var own = SonyXml(new SonyXmlWriter { Model = "ILME-FX6", Serial = "5012345" });
        Assert.Equal(new CameraInfo { Make = "Sony", Model = "ILME-FX6", Serial = "5012345" }, own.Camera);
    }

    [Theory]
    [InlineData("X-OCN_XT", "Sony X-OCN XT")]
    [InlineData("AVC_3840_2160_H422IP@L51", "Sony XAVC Intra")]
    [InlineData("AVC_1920_1080_H422P@L41", "Sony XAVC Long")]
    [InlineData("HEVC_3840_2160_M10@L51", "Sony XAVC HS")]
    [InlineData("DNxHR HQ", "Avid DNxHR HQ")]
    public void Sony_video_codecs_get_their_trade_names(string videoCodec, string name)
    {
        var clip = SonyXml(new SonyXmlWriter { VideoCodec = videoCodec });
        Assert.Equal((name, videoCodec), (clip.Codec, clip.CodecId));
    }

    [Theory]
    [InlineData("apco", "Apple ProRes 422 Proxy")]
    [InlineData("apcs", "Apple ProRes 422 LT")]
    [InlineData("apcn", "Apple ProRes 422")]
    [InlineData("apch", "Apple ProRes 422 HQ")]
    [InlineData("ap4h", "Apple ProRes 4444")]
    [InlineData("ap4x", "Apple ProRes 4444 XQ")]
    [InlineData("AVdn", "Avid DNxHD")]
    [InlineData("brxq", "Blackmagic RAW")]
    [InlineData("hvc1", "H.265/HEVC")]
    [InlineData("zzzz", "zzzz")]
    public void FourCcs_get_their_trade_names(string fourCc, string name)
    {
        Assert.Equal(name, CodecNames.FromFourCc(fourCc));
        var clip = Mov(new MovWriter { Codec = fourCc });
        Assert.Equal((name, fourCc), (clip.Codec, clip.CodecId));
    }

    [Theory]
    [InlineData("060e2b340401010a0401020271240000", false, "Avid DNxHR 444")]
    [InlineData("060e2b340401010a0401020271250000", false, "Avid DNxHR HQX")]
    [InlineData("060e2b340401010a0401020271260000", false, "Avid DNxHR HQ")]
    [InlineData("060e2b340401010a0401020271270000", false, "Avid DNxHR SQ")]
    [InlineData("060e2b340401010a0401020271280000", false, "Avid DNxHR LB")]
    [InlineData("060e2b340401010a0401020271010000", false, "Avid DNxHD")]
    [InlineData("060e2b340401010d0401020203060300", false, "Apple ProRes 422")]
    [InlineData("060e2b340401010a0401020201323101", true, "Sony XAVC Intra")]
    [InlineData("060e2b340401010a0401020201323101", false, "AVC-Intra")]
    [InlineData("060e2b340401010a0401020201316001", true, "Sony XAVC Long")]
    [InlineData("060e2b34040101ff0e09060000000000", false, "ARRIRAW")]
    [InlineData("0123", false, "0123")]
    public void Mxf_essence_labels_get_their_trade_names(string ul, bool sony, string name) =>
        Assert.Equal(name, CodecNames.FromMxfLabel(ul, sony));

    [Fact]
    public void An_mxf_label_is_kept_as_codec_id()
    {
        var clip = Mxf(new MxfWriter { PictureCoding = Convert.FromHexString("060e2b340401010a0401020271250000") });
        Assert.Equal(("Avid DNxHR HQX", "060e2b340401010a0401020271250000"), (clip.Codec, clip.CodecId));
    }

    [Theory]
    [InlineData(1270, "Avid DNxHR 444")]
    [InlineData(1271, "Avid DNxHR HQX")]
    [InlineData(1274, "Avid DNxHR LB")]
    [InlineData(1238, "Avid DNxHD")]
    [InlineData(7, null)]
    public void Dnx_compression_ids_name_the_profile(int cid, string? name)
    {
        Assert.Equal(name, CodecNames.FromDnxCid(cid));
        var header = new byte[0x2C];
        header[2] = 0x02;
        header[3] = 0x80;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(0x28), cid);
        Assert.Equal(name is null ? null : cid, CodecNames.DnxCid(header));
        Assert.Null(CodecNames.DnxCid(header.AsSpan(0, 0x2B)));
    }

    [Fact]
    public void Codec_names_never_throw_on_arbitrary_identifiers() =>
        Gen.String.Sample(
            text =>
            {
                Assert.NotNull(CodecNames.FromFourCc(text));
                Assert.NotNull(CodecNames.FromMxfLabel(text));
                Assert.NotNull(CodecNames.FromSonyVideoCodec(text));
                _ = Recorders.IsRecorder(text, text);
            },
            iter: 2000);

    [Fact]
    public void Sidecars_keep_codec_and_codec_id_together()
    {
        var essence = new ClipRecord { Codec = "Avid DNxHR HQ", CodecId = "060e2b340401010a0401020271260000" };
        Assert.Equal(("Sony X-OCN ST", "X-OCN_ST"), (essence.OverlaidWith(new ClipRecord { Codec = "Sony X-OCN ST", CodecId = "X-OCN_ST" }) is var o ? (o.Codec, o.CodecId) : default));
        Assert.Equal(essence.CodecId, essence.OverlaidWith(new ClipRecord { Iso = 800 }).CodecId);
    }
}
