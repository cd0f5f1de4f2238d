import Logging
import Testing

@testable import FedTwinSite

@Suite("Reportable metrics")
struct ReportableMetricsTests {
    @Test("a diverged metric is dropped, the others are kept")
    func dropsDiverged() {
        let out = SiteWorker.reportable(
            ["train_loss": 0.25, "train_loss_initial": 5.7e29, "nan": .nan, "inf": -.infinity, "edge": -1e12],
            logger: Logger(label: "test"))
        #expect(out == ["train_loss": 0.25, "edge": -1e12])
    }

}
