import FedTwinWire

/// How the sites' deltas are combined into the one delta the server step applies.
public enum Combiner: String, Sendable, Codable, CaseIterable {
    /// Sample-weighted mean, streamed (memory O(parameters)): FedAvg's average.
    case mean
    /// Coordinate-wise median (unweighted).
    case median
    /// Coordinate-wise trimmed mean: per coordinate, drop the ⌊β·n⌋ smallest and largest
    /// values and average the rest (unweighted).
    case trimmedMean = "trimmed-mean"
    /// Krum (Blanchard et al. 2017): the one delta whose squared distances to its
    /// n − f − 2 nearest others sum least.
    case krum
    /// Multi-Krum: the unweighted mean of the m deltas with the best Krum scores.
    case multiKrum = "multi-krum"

    static var known: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// The combiner and update-norm clipping of a strategy, parsed from a `StrategyConfig`
/// (`combiner` and the settings `clip`, `trim`, `byzantine`, `select`).
///
/// Clipping scales each site's delta to L2 norm ≤ `clip` (over all its tensors) before it
/// is combined, whatever the combiner; with the mean it happens inside the streaming sum.
///
/// Robust combiners (every one but `mean`) need all deltas at once, so they keep one
/// binary64 copy of each: memory O(sites × parameters), unlike the streaming mean. They do
/// not weight by the sites' sample counts (a count is itself only the site's claim, and
/// weighting would let one site outvote the others by claiming more samples).
///
/// Deterministic: deltas are taken in the order they were added (ascending site name in
/// the coordinator and in replay), every sum runs in a fixed order, and ties between equal
/// Krum scores go to the earlier delta; the same inputs give bit-identical outputs.
public struct DeltaCombination: Sendable, Hashable {
    public var combiner: Combiner
    /// Largest L2 norm of a site's delta (nil = no clipping).
    public var clip: Double?
    /// Trimmed mean: fraction β trimmed from each side, 0 ≤ β < 0.5.
    public var trim: Double
    /// Krum / Multi-Krum: number f of faulty sites tolerated (needs n ≥ 2f + 3 contributions).
    public var byzantine: Int
    /// Multi-Krum: number m of deltas averaged (nil = n − f).
    public var select: Int?

    public static let defaultTrim = 0.2
    public static let defaultByzantine = 1

    /// The plain sample-weighted mean without clipping (what every strategy did before).
    public static let mean = DeltaCombination(combiner: .mean)

    public init(combiner: Combiner, clip: Double? = nil, trim: Double = defaultTrim, byzantine: Int = defaultByzantine, select: Int? = nil) {
        self.combiner = combiner
        self.clip = clip
        self.trim = trim
        self.byzantine = byzantine
        self.select = select
    }

    /// True for the streaming sample-weighted mean without clipping.
    public var isPlainMean: Bool { combiner == .mean && clip == nil }

    /// Parses and checks a config's combiner and settings; errors name the setting.
    public init(combiner name: String, settings: [String: Double], strategy: String) throws {
        func fail(_ setting: String, _ detail: String) -> StrategyError {
            StrategyError(strategy: strategy, detail: detail, setting: setting)
        }
        guard let combiner = Combiner(rawValue: name.lowercased()) else {
            throw fail("combiner", "unknown combiner '\(name)' (known: \(Combiner.known))")
        }
        self.init(combiner: combiner)
        if let clip = settings["clip"] {
            guard clip.isFinite, clip > 0 else { throw fail("settings.clip", "clip must be a finite number > 0, got \(clip)") }
            self.clip = clip
        }
        func integer(_ key: String, _ value: Double, minimum: Int) throws -> Int {
            guard value.isFinite, value == value.rounded(), value >= Double(minimum), value <= 1_000_000 else {
                throw fail("settings.\(key)", "\(key) must be a whole number ≥ \(minimum), got \(value)")
            }
            return Int(value)
        }
        for (key, users) in [("trim", [Combiner.trimmedMean]), ("byzantine", [.krum, .multiKrum]), ("select", [.multiKrum])] {
            guard let value = settings[key] else { continue }
            guard users.contains(combiner) else {
                throw fail("settings.\(key)", "\(key) applies only to combiner \(users.map(\.rawValue).joined(separator: " or ")), not \(combiner.rawValue)")
            }
            switch key {
            case "trim":
                guard value.isFinite, value >= 0, value < 0.5 else { throw fail("settings.trim", "trim must be in [0, 0.5), got \(value)") }
                trim = value
            case "byzantine":
                byzantine = try integer(key, value, minimum: 0)
            default:
                select = try integer(key, value, minimum: 1)
            }
        }
    }

    /// The settings recorded in manifests, defaults filled in (`select` only when set).
    public var settings: [String: Double] {
        var s: [String: Double] = [:]
        if let clip { s["clip"] = clip }
        switch combiner {
        case .mean, .median: break
        case .trimmedMean: s["trim"] = trim
        case .krum: s["byzantine"] = Double(byzantine)
        case .multiKrum:
            s["byzantine"] = Double(byzantine)
            if let select { s["select"] = Double(select) }
        }
        return s
    }

    /// Smallest number of contributions the combiner can work with.
    public var minimumContributions: Int {
        switch combiner {
        case .mean, .median, .trimmedMean: return 1
        case .krum, .multiKrum: return 2 * byzantine + 3
        }
    }

    // MARK: clipping

    /// L2 norm of a parameter set taken as one vector (binary64; rescaled if the plain sum
    /// of squares overflows).
    public static func l2Norm(_ tensors: [Tensor]) -> Double {
        var sum = 0.0, largest = 0.0
        for tensor in tensors {
            switch tensor.values {
            case .f32(let v): for x in v { let d = Double(x); sum += d * d; largest = max(largest, abs(d)) }
            case .f64(let v): for d in v { sum += d * d; largest = max(largest, abs(d)) }
            }
        }
        if sum.isFinite || !largest.isFinite || largest == 0 { return sum.squareRoot() }
        var scaled = 0.0
        for tensor in tensors {
            switch tensor.values {
            case .f32(let v): for x in v { let d = Double(x) / largest; scaled += d * d }
            case .f64(let v): for x in v { let d = x / largest; scaled += d * d }
            }
        }
        return largest * scaled.squareRoot()
    }

    /// The factor that brings a delta of L2 norm `norm` to norm ≤ `clip` (1 without clipping
    /// or when it is already within the bound).
    public func clipFactor(norm: Double) -> Double {
        guard let clip, norm > clip else { return 1 }
        return clip / norm
    }

    // MARK: robust combination

    /// Combines flattened deltas (one `[Double]` per site, all the same length, in
    /// contribution order) with the robust combiner. Not for `mean`, which streams.
    public func combine(_ deltas: [[Double]], strategy: String = "aggregation") throws -> [Double] {
        guard let first = deltas.first else { throw StrategyError(strategy: strategy, detail: "no contributions to aggregate") }
        guard deltas.allSatisfy({ $0.count == first.count }) else {
            throw StrategyError(strategy: strategy, detail: "deltas differ in length")
        }
        let n = deltas.count
        guard n >= minimumContributions else {
            throw StrategyError(strategy: strategy, detail: "\(combiner.rawValue) with byzantine f = \(byzantine) needs at least 2f + 3 = \(minimumContributions) contributions, got \(n)",
                                setting: "settings.byzantine")
        }
        switch combiner {
        case .mean:
            return RobustCombiners.mean(deltas)
        case .median:
            return RobustCombiners.median(deltas)
        case .trimmedMean:
            return RobustCombiners.trimmedMean(deltas, trim: trim)
        case .krum:
            return deltas[RobustCombiners.krumSelection(deltas, byzantine: byzantine, select: 1)[0]]
        case .multiKrum:
            let m = select ?? (n - byzantine)
            guard m <= n - byzantine else {
                throw StrategyError(strategy: strategy, detail: "multi-krum select m = \(m) exceeds n − f = \(n) − \(byzantine)", setting: "settings.select")
            }
            let chosen = RobustCombiners.krumSelection(deltas, byzantine: byzantine, select: m)
            return RobustCombiners.mean(chosen.map { deltas[$0] })
        }
    }
}

/// The robust combiners over flattened deltas, each deterministic for a given input order.
public enum RobustCombiners {
    /// Unweighted coordinate-wise mean, summed in input order.
    public static func mean(_ deltas: [[Double]]) -> [Double] {
        var sum = [Double](repeating: 0, count: deltas[0].count)
        for d in deltas { for i in sum.indices { sum[i] += d[i] } }
        let n = Double(deltas.count)
        return sum.map { $0 / n }
    }

    /// Coordinate-wise median; for an even count, the mean of the two middle values.
    public static func median(_ deltas: [[Double]]) -> [Double] {
        let n = deltas.count
        return coordinatewise(deltas) { sorted in
            n % 2 == 1 ? sorted[n / 2] : sorted[n / 2 - 1] / 2 + sorted[n / 2] / 2
        }
    }

    /// Coordinate-wise trimmed mean: drops ⌊trim·n⌋ values from each end of every sorted
    /// coordinate and averages the rest in ascending order.
    public static func trimmedMean(_ deltas: [[Double]], trim: Double) -> [Double] {
        let n = deltas.count
        let k = min(Int((trim * Double(n)).rounded(.down)), (n - 1) / 2)
        let kept = Double(n - 2 * k)
        return coordinatewise(deltas) { sorted in
            var sum = 0.0
            for j in k..<(n - k) { sum += sorted[j] }
            return sum / kept
        }
    }

    /// Krum scores: for each delta, the sum of its squared L2 distances to its
    /// n − f − 2 nearest other deltas (nearest first).
    public static func krumScores(_ deltas: [[Double]], byzantine f: Int) -> [Double] {
        let n = deltas.count
        let neighbours = max(0, min(n - 1, n - f - 2))
        var distance = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) {
                var s = 0.0
                deltas[i].withUnsafeBufferPointer { a in
                    deltas[j].withUnsafeBufferPointer { b in
                        for k in 0..<a.count { let x = a[k] - b[k]; s += x * x }
                    }
                }
                distance[i][j] = s
                distance[j][i] = s
            }
        }
        return (0..<n).map { i in
            let nearest = (0..<n).filter { $0 != i }.map { distance[i][$0] }.sorted()
            return nearest.prefix(neighbours).reduce(0, +)
        }
    }

    /// Indices of the `select` deltas with the lowest Krum scores (ties: earlier delta),
    /// in ascending index order.
    public static func krumSelection(_ deltas: [[Double]], byzantine f: Int, select: Int) -> [Int] {
        let scores = krumScores(deltas, byzantine: f)
        let ranked = scores.indices.sorted { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        return ranked.prefix(select).sorted()
    }

    /// Applies `reduce` to every coordinate's values, sorted ascending.
    static func coordinatewise(_ deltas: [[Double]], _ reduce: ([Double]) -> Double) -> [Double] {
        let n = deltas.count, count = deltas[0].count
        var out = [Double](repeating: 0, count: count)
        var column = [Double](repeating: 0, count: n)
        for i in 0..<count {
            for s in 0..<n { column[s] = deltas[s][i] }
            column.sort()
            out[i] = reduce(column)
        }
        return out
    }
}
