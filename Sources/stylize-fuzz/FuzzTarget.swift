/// The parsers under fuzz, one per target of `scripts/fuzz`. Each run takes one input and must return
/// normally, whatever the bytes: a parse error is a normal outcome, while a crash, a broken invariant
/// (`FuzzCheck.require`), a leak or a slow input is a finding.
enum FuzzTarget: String, CaseIterable, Sendable {
    /// Whole netpbm streams through the C shim and libnetpbm: every image read, converted to RGB,
    /// written back and read again unchanged.
    case netpbm
    /// safetensors bytes as weights (VGG) and as a Gram file, and their serialization round trip.
    case safetensors
    /// `--schedule` (Stage.parseSchedule).
    case schedule
    /// `--style-layers` (parseWeightedLayers).
    case styleLayers = "style-layers"
    /// `--style-blend` (parseWeights).
    case styleBlend = "style-blend"
    /// `visualize --units` (UnitSelection.parseUnits).
    case units
    /// `stylize --region`, one value per line (RegionSpec(parsing:), then checkRegions over the lines).
    case region

    func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .netpbm: NetpbmFuzz.run(bytes)
        case .safetensors: SafeTensorsFuzz.run(bytes)
        case .schedule, .styleLayers, .styleBlend, .units, .region:
            OptionFuzz.run(self, text: String(decoding: bytes, as: UTF8.self))
        }
    }
}

/// A broken invariant: the message goes to stderr and the process traps, which libFuzzer reports
/// (with the input saved) and replay reports as a crash.
enum FuzzCheck {
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("invariant broken: \(message())") }
    }
}
