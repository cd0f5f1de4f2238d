import FedTwinAggregation
import FedTwinRegistry
import FedTwinWire
import Testing

/// The coordinator aggregates the updates it decoded on arrival instead of reading them
/// back from the store; replay reads the store. Both must give the same bytes.
@Suite("Aggregation from decoded updates")
struct AggregateInMemoryTests {
    @Test(arguments: [
        StrategyConfig(name: "fedavg"),
        StrategyConfig(name: "fedadam", settings: ["lr": 0.05, "beta1": 0.9, "beta2": 0.99, "tau": 1e-3]),
        StrategyConfig(name: "fedyogi", settings: ["lr": 0.05]),
        StrategyConfig(name: "fedadagrad"),
        StrategyConfig(name: "fedavgm"),
        StrategyConfig(name: "fedavg", combiner: "median"),
    ])
    func decodedUpdatesAggregateBitForBitLikeTheStore(strategy: StrategyConfig) throws {
        let store = try TestStore(strategy: strategy, rounds: 1, evaluate: false)
        let parent = try store.registry.latestVersion()
        let fromStore = try store.storeUpdates(parent: parent, round: 2)
        let codec = MessageCodec()
        let decoded = try fromStore.enumerated().map { index, pending in
            let frame = try store.registry.object(pending.frameID)
            let received = try codec.parse(frame).open(with: store.sites[index].key.publicKey)
            return PendingContribution(site: pending.site, frameID: pending.frameID, received: received)
        }
        let made = try strategy.makeStrategy()
        let a = try store.registry.aggregate(parent: parent, strategy: made, updates: fromStore, signaturesVerified: true)
        let b = try store.registry.aggregate(parent: parent, strategy: try strategy.makeStrategy(), updates: decoded.reversed(),
                                             signaturesVerified: true, parentState: try store.registry.state(of: parent))
        #expect(SafeTensors.encode(a.state.parameters) == SafeTensors.encode(b.state.parameters))
        #expect(SafeTensors.encode(a.state.optimizerState) == SafeTensors.encode(b.state.optimizerState))
        #expect(a.contributions == b.contributions)
        #expect(a.metrics == b.metrics)
        #expect(a.totalSamples == b.totalSamples)
    }

    @Test("decoded updates are ignored unless the caller vouches for their signatures: replay reads the store")
    func unverifiedCallersReadTheStore() throws {
        let store = try TestStore(rounds: 1, evaluate: false)
        let parent = try store.registry.latestVersion()
        let pending = try store.storeUpdates(parent: parent, round: 2)
        // A decoded message that is not what the store holds: site-b's frame under site-a's id.
        let other = try MessageCodec().parse(try store.registry.object(pending[1].frameID)).open(with: store.sites[1].key.publicKey)
        var forged = pending
        forged[0].received = other
        let honest = try store.registry.aggregate(parent: parent, strategy: try store.strategy.makeStrategy(), updates: pending)
        let replayed = try store.registry.aggregate(parent: parent, strategy: try store.strategy.makeStrategy(), updates: forged)
        #expect(SafeTensors.encode(honest.state.parameters) == SafeTensors.encode(replayed.state.parameters))
    }
}
