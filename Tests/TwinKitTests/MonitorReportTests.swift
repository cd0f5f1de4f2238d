import Foundation
import Testing
@testable import TwinKit

@Suite("MSPC monitor report")
struct MonitorReportTests {
    static func assessment(t2: Double, spe: Double, contributors: [(String, Double)] = [("T", 0.8), ("pH", 0.2)]) -> BatchAssessment {
        BatchAssessment(batchID: "b", t2: t2, spe: spe, t2Limit95: 10, t2Limit99: 15, speLimit95: 100, speLimit99: 150,
                        topContributors: contributors.map { (variable: $0.0, share: $0.1) })
    }

    @Test("verdict: in control inside both 95 % limits, warning beyond a 95 % limit only, out of control beyond a 99 % limit")
    func verdicts() {
        #expect(MonitorReport.verdict(Self.assessment(t2: 5, spe: 50)) == .inControl)
        #expect(MonitorReport.verdict(Self.assessment(t2: 10, spe: 100)) == .inControl) // on the limit is inside
        #expect(MonitorReport.verdict(Self.assessment(t2: 12, spe: 50)) == .warning)
        #expect(MonitorReport.verdict(Self.assessment(t2: 5, spe: 120)) == .warning)
        #expect(MonitorReport.verdict(Self.assessment(t2: 16, spe: 50)) == .outOfControl)
        #expect(MonitorReport.verdict(Self.assessment(t2: 5, spe: 151)) == .outOfControl)
        #expect(MonitorReport.verdict(Self.assessment(t2: 12, spe: 151)) == .outOfControl)
    }

    @Test("report line: exceeded limits named, contributions attributed to the statistic furthest over its 99 % limit")
    func batchLine() {
        let a = MonitorReport.batch(Self.assessment(t2: 12, spe: 300))
        #expect(a.exceeded == ["T² > 95 %", "SPE > 99 %"])
        #expect(a.contributionsOf == "SPE")
        #expect(a.topContributors == [MonitorReport.Contribution(variable: "T", share: 0.8), MonitorReport.Contribution(variable: "pH", share: 0.2)])
        #expect(MonitorReport.contributorsText(a) == "T 80 %, pH 20 %")
        let b = MonitorReport.batch(Self.assessment(t2: 30, spe: 10))
        #expect(b.exceeded == ["T² > 99 %"])
        #expect(b.contributionsOf == "T²")
        #expect(MonitorReport.batch(Self.assessment(t2: 1, spe: 1)).exceeded.isEmpty)
    }

    @Test("report over a file: normal batches in control, +3 °C batches out of control with T on top, a short batch not scored")
    func endToEnd() throws {
        var profile = HybridTests.site(noiseFree: false, batches: 40, seed: 21)
        profile.batchToBatchVariation = 0.02
        // A 1.5 °C operating window, as in the default site profiles.
        profile.operating.temperature = ValueRange(24.5, 26)
        let records = profile.simulate().map(\.record)
        let component = MSPCComponent(unfolding: BatchUnfolding(times: [0, 15, 30, 45, 60]), components: 3)
        let zero = component.initialParameters(seed: 0)
        let sites = [Array(records[0..<15]), Array(records[15..<30])]
        let summed = try ParameterSet.sum(sites.map { try component.train(from: zero, on: $0, config: TrainingConfig()).parameters })
        let monitor = try component.monitor(summed)

        let normal = Array(records[30...])
        let hot = normal.map { r -> BatchRecord in
            var b = r
            b.batchID += "-hot"
            b.temperature = b.temperature.map { $0.map { $0 + 3 } }
            return b
        }
        var short = records[39]
        short.batchID = "short"
        short.time = Array(short.time.prefix(10))
        let report = MonitorReport(component: component, monitor: monitor, records: normal + hot + [short], top: 2)

        #expect(report.referenceBatches == 30)
        #expect(report.components == 3)
        #expect(report.columns == component.unfolding.width)
        #expect(report.batches.map(\.batch) == (normal + hot).map(\.batchID) + ["short"])
        let scoredNormal = report.batches.prefix(10), scoredHot = report.batches.dropFirst(10).prefix(10)
        #expect(scoredNormal.allSatisfy { $0.verdict != .outOfControl })
        #expect(scoredHot.allSatisfy { $0.verdict == .outOfControl && $0.topContributors.count == 2 })
        // Where T² carries the alarm the stuck probe is named; where SPE dominates the shift
        // smears over correlated columns (1 of the 10 here names V first).
        #expect(scoredHot.filter { $0.topContributors.first?.variable == "T" }.count >= 8)
        #expect(report.batches.last?.verdict == .notScored)
        #expect(report.batches.last?.problem?.contains("short") == true)
        #expect(report.count(.outOfControl) == 10 && report.count(.notScored) == 1)
        #expect(report.summary.hasPrefix("21 batches: "))
        #expect(report.summary.hasSuffix("10 out of control, 1 not scored"))

        // The report survives JSON (what `fedtwin monitor --json` prints).
        let decoded = try JSONDecoder().decode(MonitorReport.self, from: JSONEncoder().encode(report))
        #expect(decoded == report)
    }

    @Test("a monitor needs reference batches: version-0 (all-zero) statistics are refused")
    func emptyStatistics() {
        let component = MSPCComponent()
        #expect(throws: MSPCError.tooFewBatches(0)) { try component.monitor(component.initialParameters(seed: 0)) }
    }
}
