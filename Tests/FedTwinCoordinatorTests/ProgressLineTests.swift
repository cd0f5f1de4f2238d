import FedTwinCoordinator
import Testing

@Suite("Progress lines")
struct ProgressLineTests {
    @Test("sample counts beyond 32 bits print as they are, not negative")
    func largeCounts() {
        let samples = 5_000_000_000
        let line = CoordinatorEvent.versionCommitted(version: 3, round: 4_294_967_297, sites: 2, samples: samples, elapsedSeconds: 0.25).progressLine
        #expect(line == "round 4294967297: committed version 3 (2 sites, 5000000000 samples) in 250.0 ms")
        let update = CoordinatorEvent.updateReceived(round: 2, site: "site-a", reported: 1, selected: 2, bytesIn: 3 << 20, elapsedSeconds: 1.5).progressLine
        #expect(update == "round 2: sites reported 1/2 (site-a), 3.0 MiB in, 1.50 s")
    }
}
