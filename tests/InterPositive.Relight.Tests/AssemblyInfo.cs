// The clip tests each drive an ffmpeg decoder, an ONNX Runtime session and an encoder through bounded pipes; run side
// by side on a 2-core machine they were seen to stall the test host (intermittently, cause not yet found), so this
// project's tests run one collection at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
