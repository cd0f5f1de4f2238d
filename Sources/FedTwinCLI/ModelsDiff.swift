import ArgumentParser
import FedTwinRegistry
import FedTwinWire

extension ModelsCommand {
    /// `fedtwin models diff V1 V2`: how much the model moved between two versions.
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per-tensor change between two versions (L2 norm, max |Δ|, ‖Δ‖/‖V1‖) and metric deltas.",
            discussion: "Δ = V2 − V1, computed in binary64. Metric deltas are V2 − V1 for the training metrics and for the held-out (evaluation) means."
        )

        @Argument(help: "The earlier version (number, 'latest' or id prefix).")
        var from: String

        @Argument(help: "The later version.")
        var to: String

        @OptionGroup var options: StoreOptions

        @Flag(help: "Machine-readable JSON (sorted keys).")
        var json = false

        struct TensorChange {
            var name: String
            var shape: String
            var l2: Double?
            var maxAbs: Double?
            var base: Double?
            var note: String?

            var relative: Double? {
                guard let l2, let base, base > 0 else { return nil }
                return l2 / base
            }

            var json: JSONValue {
                .object(["name": .string(name), "shape": .string(shape), "l2Change": .optional(l2), "maxAbsChange": .optional(maxAbs),
                         "l2From": .optional(base), "relativeChange": .optional(relative), "note": .optional(note)])
            }
        }

        func run() throws {
            let registry = try options.open()
            let (a, b, changes, evalA, evalB) = try options.withStoreErrors {
                let a = try VersionText.resolve(from, in: registry), b = try VersionText.resolve(to, in: registry)
                let changes = Self.compare(try registry.state(of: a).parameters, try registry.state(of: b).parameters)
                return (a, b, changes, try registry.evaluations(version: a.number), try registry.evaluations(version: b.number))
            }
            let training = Self.deltas(a.manifest.metrics, b.manifest.metrics)
            let heldOut = Self.deltas(VersionText.heldOutMeans(evalA), VersionText.heldOutMeans(evalB))
            if json {
                try JSONValue.object([
                    "from": .object(["version": .int(a.number), "id": .string(a.id)]),
                    "to": .object(["version": .int(b.number), "id": .string(b.id)]),
                    "tensors": .array(changes.map(\.json)),
                    "trainingMetrics": .object(training.mapValues(Self.json)),
                    "heldOutMetrics": .object(heldOut.mapValues(Self.json)),
                ]).write()
                return
            }
            print("version \(a.number) (\(a.id.prefix(12))) → version \(b.number) (\(b.id.prefix(12)))")
            print("")
            var table = TextTable(["tensor", "shape", "‖Δ‖₂", "max |Δ|", "‖Δ‖/‖V\(a.number)‖", "note"], numeric: [2, 3, 4])
            let f = { (x: Double?) in x.map(VersionText.number) ?? "—" }
            for c in changes { table.add([c.name, c.shape, f(c.l2), f(c.maxAbs), f(c.relative), c.note ?? ""]) }
            print(table.render())
            for (title, deltas) in [("training metrics (sample-weighted)", training), ("held-out metrics (evaluation, sample-weighted)", heldOut)] {
                print("")
                print(title)
                if deltas.isEmpty {
                    print("  none")
                    continue
                }
                var metrics = TextTable(["metric", "v\(a.number)", "v\(b.number)", "Δ"], numeric: [1, 2, 3])
                for name in deltas.keys.sorted() {
                    let d = deltas[name]!
                    metrics.add([name, f(d.from), f(d.to), d.from.flatMap { x in d.to.map { y in Self.signed(y - x) } } ?? "—"])
                }
                print(metrics.render(indent: "  "))
            }
        }

        static func compare(_ a: [Tensor], _ b: [Tensor]) -> [TensorChange] {
            var changes: [TensorChange] = []
            let byName = Dictionary(b.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
            for ta in a {
                guard let tb = byName[ta.name] else {
                    changes.append(TensorChange(name: ta.name, shape: "\(ta.shape)", note: "only in the first version"))
                    continue
                }
                guard ta.shape == tb.shape else {
                    changes.append(TensorChange(name: ta.name, shape: "\(ta.shape)→\(tb.shape)", note: "shape changed"))
                    continue
                }
                let va = ta.values.doubles, vb = tb.values.doubles
                var sq = 0.0, maxAbs = 0.0, base = 0.0
                for i in va.indices {
                    let d = vb[i] - va[i]
                    sq += d * d
                    maxAbs = max(maxAbs, abs(d))
                    base += va[i] * va[i]
                }
                changes.append(TensorChange(name: ta.name, shape: "\(ta.shape)", l2: sq.squareRoot(), maxAbs: maxAbs, base: base.squareRoot(),
                                            note: ta.dtype == tb.dtype ? nil : "dtype \(ta.dtype.rawValue)→\(tb.dtype.rawValue)"))
            }
            for tb in b where !a.contains(where: { $0.name == tb.name }) {
                changes.append(TensorChange(name: tb.name, shape: "\(tb.shape)", note: "only in the second version"))
            }
            return changes
        }

        static func deltas(_ a: [String: Double], _ b: [String: Double]) -> [String: (from: Double?, to: Double?)] {
            var out: [String: (from: Double?, to: Double?)] = [:]
            for name in Set(a.keys).union(b.keys) { out[name] = (a[name], b[name]) }
            return out
        }

        static func json(_ d: (from: Double?, to: Double?)) -> JSONValue {
            .object(["from": .optional(d.from), "to": .optional(d.to),
                     "delta": .optional(d.from.flatMap { x in d.to.map { $0 - x } })])
        }

        static func signed(_ x: Double) -> String { (x > 0 ? "+" : "") + VersionText.number(x) }
    }
}
