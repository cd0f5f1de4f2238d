import FedTwinAggregation
import FedTwinWire

/// An accepted update waiting to be aggregated: its signer and the stored frame.
public struct PendingContribution: Sendable, Equatable {
    public var site: EnrolledSite
    /// Object id of the signed update frame.
    public var frameID: String
    /// The frame as the coordinator verified and decoded it on arrival (the same bytes it
    /// stored under `frameID`), so that closing the round does not read, hash and decode
    /// it again. nil: aggregate from the store, as `models verify --replay` always does.
    public var received: ReceivedMessage?

    public init(site: EnrolledSite, frameID: String, received: ReceivedMessage? = nil) {
        self.site = site
        self.frameID = frameID
        self.received = received
    }
}

/// The result of aggregating a round: the next state and what to record about it.
public struct AggregationOutcome: Sendable {
    public var state: ModelState
    public var contributions: [ContributionRecord]
    public var totalSamples: Int
    public var metrics: [String: Double]
}

extension Registry {
    /// Aggregates stored update frames on top of `parent`, in ascending site-name order,
    /// one decoded update in memory at a time (with a robust combiner, the aggregator keeps
    /// every delta: see `StreamingAggregator`).
    ///
    /// The coordinator commits what this returns, and `models verify --replay` calls it
    /// again on the same objects: one code path, so a replay is bit-for-bit.
    ///
    /// `signaturesVerified`: the caller (the coordinator) verified every frame's signature
    /// when it arrived, and the object store re-checks each frame's hash on read, so the
    /// Ed25519 verification is not repeated; a contribution that still holds its decoded
    /// frame (`received`) is not read back at all. Replay always reads and verifies.
    /// `parentState`: the parent's state when the caller holds it (the coordinator keeps the
    /// latest), instead of reading it from the store.
    public func aggregate(parent: StoredVersion, strategy: any AggregationStrategy, updates: [PendingContribution],
                          limits: FrameLimits = .default, signaturesVerified: Bool = false, parentState: ModelState? = nil) throws -> AggregationOutcome {
        let component = parent.manifest.component
        var aggregator = try StreamingAggregator(component: component, strategy: strategy, base: try parentState ?? state(of: parent))
        var records: [ContributionRecord] = []
        let codec = MessageCodec(limits: limits)
        for pending in updates.sorted(by: { $0.site.name < $1.site.name }) {
            let path = Self.objectPath(pending.frameID)
            let bytes: [UInt8]
            let received: ReceivedMessage
            if signaturesVerified, let decoded = pending.received {
                bytes = decoded.frame
                received = decoded
            } else {
                bytes = try object(pending.frameID)
                do {
                    let sealed = try codec.parse(bytes)
                    received = signaturesVerified ? try sealed.openVerified() : try sealed.open(with: try pending.site.key())
                } catch {
                    throw RegistryError(path: path, problem: "stored update from \(pending.site.name) does not verify: \(error)")
                }
            }
            guard case .update(let update) = received.message else {
                throw RegistryError(path: path, problem: "stored object is a \(received.message.type) frame, not an update")
            }
            guard update.baseVersionID == parent.id else {
                throw RegistryError(path: path, problem: "update from \(pending.site.name) was trained from \(update.baseVersionID.prefix(12)), not version \(parent.number)")
            }
            if component.aggregation == .mean, received.manifest?.delta != parent.id {
                throw RegistryError(path: path, problem: "update from \(pending.site.name) is not a delta from version \(parent.number)")
            }
            do {
                try aggregator.add(received.tensors, samples: update.samples)
            } catch {
                throw RegistryError(path: path, problem: "update from \(pending.site.name): \(error)")
            }
            records.append(ContributionRecord(
                site: pending.site.name, fingerprint: pending.site.fingerprint, update: pending.frameID,
                samples: update.samples, metrics: update.metrics, signature: Hex.encode(Array(try Frame(parsing: bytes, limits: limits).signature)),
                encoding: received.manifest?.tensors.first?.encoding ?? "none", bytes: bytes.count))
        }
        let state = try aggregator.finish()
        let metrics = WeightedMean.of(records.map { ($0.samples, $0.metrics) })
        return AggregationOutcome(state: state, contributions: records, totalSamples: aggregator.totalSamples, metrics: metrics)
    }
}
