import Engine
import ImageIO

/// Keeps, for every unit (channel) of a layer, the K strongest activations seen over a stream of images,
/// with the input patches behind them.
///
/// Only positive activations count (a unit that never fires gets no patches). The K patches of a unit
/// are K different places: two positions of the same image are duplicates when their receptive-field
/// centers are closer than half the field in both directions (`ReceptiveField.duplicateRadius`), and
/// of duplicates only the stronger is kept. Patches from different images are never duplicates.
///
/// The result is that of greedy suppression over all images at once (take the strongest position left,
/// drop its duplicates, repeat): duplicates lie in one image, so running the greedy pass per image,
/// keeping at most K per image, and merging with the K kept so far gives the same K. Memory is therefore
/// K patches per unit whatever the number of images, each `storedSide`² RGB bytes (the field scaled down
/// to the tile size when it is larger), plus one image and its activations while it is processed.
public final class TopPatches {
    public let field: ReceptiveField
    public let perUnit: Int
    /// Side of the stored patch pixels: min(field size, tile).
    public let storedSide: Int
    /// Per unit, the kept patches, strongest first (at most `perUnit`).
    public private(set) var units: [[Patch]]
    /// Images added so far.
    public private(set) var imageCount = 0

    public init(units: Int, perUnit: Int, field: ReceptiveField, tile: Int) {
        precondition(units >= 1 && perUnit >= 1 && tile >= 1)
        self.field = field
        self.perUnit = perUnit
        self.storedSide = min(field.size, tile)
        self.units = Array(repeating: [], count: units)
    }

    /// The largest activation of each unit so far (0 for a unit that never fired).
    public var maxima: [Float] { units.map { $0.first?.activation ?? 0 } }

    /// Adds the next image of the stream and the layer's activation for it.
    public func add(image: RGBImage, activation: Tensor) {
        precondition(activation.channels == units.count, "activation has \(activation.channels) channels, expected \(units.count)")
        imageCount += 1
        let index = imageCount
        let (h, w) = (activation.height, activation.width)
        guard h > 0, w > 0 else { return }
        let (field, perUnit, side) = (self.field, self.perUnit, self.storedSide)
        units.withUnsafeMutableBufferPointer { kept in
            activation.data.withUnsafeBufferPointer { data in
                parallelFor(kept.count) { unit in
                    let plane = UnsafeBufferPointer(rebasing: data[(unit * h * w)..<((unit + 1) * h * w)])
                    let current = kept[unit]
                    let threshold: Float = current.count == perUnit ? current[perUnit - 1].activation : 0
                    let picks = Self.strongest(plane, height: h, width: w, count: perUnit, above: threshold,
                                               radius: field.duplicateRadius)
                    guard !picks.isEmpty else { return }
                    let fresh = picks.map { pick -> Patch in
                        let (y, x) = (pick.position / w, pick.position % w)
                        return Patch(activation: pick.value, image: index, y: y, x: x,
                                     top: field.start(y), left: field.start(x), pixels: PatchPixels(side: 0, samples: []))
                    }
                    // Merge (both lists are strongest first; the old ones win ties), keep perUnit, and crop
                    // only the new patches that stayed.
                    var merged: [Patch] = []
                    merged.reserveCapacity(perUnit)
                    var (i, j) = (0, 0)
                    while merged.count < perUnit && (i < current.count || j < fresh.count) {
                        if j >= fresh.count || (i < current.count && current[i].isStronger(than: fresh[j])) {
                            merged.append(current[i]); i += 1
                        } else {
                            var patch = fresh[j]
                            patch.pixels = PatchPixels.crop(image, top: patch.top, left: patch.left, size: field.size, side: side)
                            merged.append(patch); j += 1
                        }
                    }
                    kept[unit] = merged
                }
            }
        }
    }

    /// Greedy duplicate suppression in one activation plane: up to `count` positions with values above
    /// `above` (and above 0), strongest first (ties: first in row-major order), none within `radius`
    /// positions (in both directions) of a stronger one taken before it.
    ///
    /// Each position taken suppresses at most (2*radius+1)² positions, itself included, so the greedy pass
    /// never looks past the `count`*(2*radius+1)² strongest positions: only those are sorted.
    public static func strongest(_ plane: UnsafeBufferPointer<Float>, height: Int, width: Int, count: Int,
                                 above: Float, radius: Int) -> [(position: Int, value: Float)] {
        let floor = max(above, 0)
        // A value not above the floor can neither be taken nor matter (it could only suppress weaker
        // values, which are not above the floor either).
        var values: [Float] = []
        for v in plane where v > floor { values.append(v) }
        guard !values.isEmpty else { return [] }
        let needed = count * (2 * radius + 1) * (2 * radius + 1)
        var cut = floor
        var inclusive = false
        if values.count > needed {
            cut = kthLargest(&values, needed)
            inclusive = true
        }
        var candidates: [(position: Int, value: Float)] = []
        for (p, v) in plane.enumerated() where inclusive ? v >= cut : v > cut { candidates.append((p, v)) }
        candidates.sort { $0.value != $1.value ? $0.value > $1.value : $0.position < $1.position }
        var picks: [(position: Int, value: Float)] = []
        for candidate in candidates {
            let (y, x) = (candidate.position / width, candidate.position % width)
            let duplicate = picks.contains { pick in
                abs(pick.position / width - y) <= radius && abs(pick.position % width - x) <= radius
            }
            if duplicate { continue }
            picks.append(candidate)
            if picks.count == count { break }
        }
        return picks
    }

    /// The k-th largest of `values` (1-based; reorders them): quickselect with three-way partitions,
    /// so long runs of equal values (a saturated region) cost no more than distinct ones.
    static func kthLargest(_ values: inout [Float], _ k: Int) -> Float {
        precondition(k >= 1 && k <= values.count)
        var (lo, hi) = (0, values.count - 1)
        let target = k - 1  // index in descending order
        while true {
            if lo == hi { return values[lo] }
            let pivot = values[lo + (hi - lo) / 2]
            // [lo, gt) > pivot, [gt, i) == pivot, (lt, hi] < pivot
            var (gt, i, lt) = (lo, lo, hi)
            while i <= lt {
                if values[i] > pivot {
                    values.swapAt(gt, i); gt += 1; i += 1
                } else if values[i] < pivot {
                    values.swapAt(i, lt); lt -= 1
                } else {
                    i += 1
                }
            }
            if target < gt {
                hi = gt - 1
            } else if target <= lt {
                return pivot
            } else {
                lo = lt + 1
            }
        }
    }
}
