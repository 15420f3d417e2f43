/// Which units of the layer get a tile.
public enum UnitSelection: Sendable, Equatable {
    /// The N units whose largest activation over all images is largest, strongest first.
    case top(Int)
    /// These units, in this order.
    case units([Int])

    /// The default: the 16 strongest units.
    public static let defaultTop = 16

    /// Parses "0,5,12-20": unit indices and inclusive ranges, each in 0..<channels. The order is kept;
    /// a unit named twice appears once (where it is first named).
    public static func parseUnits(_ text: String, channels: Int) throws -> [Int] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.contains(where: \.isEmpty) else { throw VisualizationError.badUnits("bad unit list \"\(text)\": empty item") }
        func unit(_ s: Substring, in item: String) throws -> Int {
            guard let u = Int(s.trimmingCharacters(in: .whitespaces)), u >= 0 else {
                throw VisualizationError.badUnits("bad unit \"\(item)\" in \"\(text)\": expected N or N-M with N, M >= 0")
            }
            guard u < channels else {
                throw VisualizationError.noSuchUnit(u, channels: channels)
            }
            return u
        }
        var result: [Int] = []
        var seen = Set<Int>()
        for item in items {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            let range: ClosedRange<Int>
            switch bounds.count {
            case 1:
                let u = try unit(bounds[0], in: item)
                range = u...u
            case 2:
                let (a, b) = (try unit(bounds[0], in: item), try unit(bounds[1], in: item))
                guard a <= b else { throw VisualizationError.badUnits("bad range \"\(item)\" in \"\(text)\": \(a) > \(b)") }
                range = a...b
            default:
                throw VisualizationError.badUnits("bad unit \"\(item)\" in \"\(text)\": expected N or N-M with N, M >= 0")
            }
            for u in range where seen.insert(u).inserted { result.append(u) }
        }
        return result
    }

    /// The `count` units with the largest maxima, largest first; equal maxima by unit index.
    /// Asking for more units than there are gives all of them.
    public static func topUnits(maxima: [Float], count: Int) -> [Int] {
        let order = maxima.indices.sorted { a, b in
            maxima[a] != maxima[b] ? maxima[a] > maxima[b] : a < b
        }
        return Array(order.prefix(max(0, count)))
    }

    /// The units to show, given each unit's largest activation.
    public func resolve(maxima: [Float]) -> [Int] {
        switch self {
        case .top(let n): return Self.topUnits(maxima: maxima, count: n)
        case .units(let list): return list
        }
    }
}
