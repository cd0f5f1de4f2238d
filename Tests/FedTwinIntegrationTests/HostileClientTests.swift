import FedTwinRegistry
import Testing

/// The hostile-client suite (issue 5): every `HostileCase` is fired at one running
/// federation (`HostileScenario`: the real coordinator over TLS, two honest noop sites),
/// then judged here one case at a time: refused with the specific reason, recorded in the
/// audit log, and — for the federation as a whole — honest sites kept training and the
/// store still verifies with replay.
@Suite("Hostile clients against a running coordinator")
struct HostileClientTests {
    @Test("refused with its specific reason and audited", .timeLimit(.minutes(2)), arguments: HostileCase.allCases)
    func caseIsRefusedAndAudited(_ hostile: HostileCase) async throws {
        let report = try await HostileScenario.shared.report()
        if let failure = report.failures[hostile] {
            Issue.record("\(hostile): \(failure)")
            return
        }
        let outcome = try #require(report.outcomes[hostile], "\(hostile) was not run")
        if hostile.answeredWithReject {
            #expect(outcome.rejectCode == hostile.expectedCode, "\(hostile): \(outcome.detail)")
        } else {
            #expect(outcome.closed == true, "\(hostile): the coordinator did not close the connection (\(outcome.detail))")
            if hostile.transportAnswersWithReject {
                #expect(outcome.rejectCode == hostile.expectedCode, "\(hostile): no reject before the close (\(outcome.detail))")
            }
        }
        if hostile.auditEvent == "frame-refused" {
            #expect((outcome.refSeq != nil) == hostile.carriesRefSeq, "\(hostile): \(outcome.detail)")
        }
        let audit = try #require(outcome.audit, "\(hostile): no audit entry (\(outcome.detail))")
        #expect(audit.event == hostile.auditEvent, "\(hostile): \(audit)")
        #expect(outcome.auditCode == hostile.expectedCode, "\(hostile): audited as \(audit.data)")
    }

    @Test("a second session mid-round inherits the round's task, and the round commits with it", .timeLimit(.minutes(2)))
    func aReplacedSessionHandsOverItsTask() async throws {
        let report = try await HostileScenario.shared.report()
        let resent = try #require(report.replacement, "no task-resent entry for site-r in round 3")
        #expect(resent.data["site"] == "site-r")
        #expect(report.contributors[3]?.contains("site-r") == true, "version 3 contributors: \(report.contributors[3] ?? [])")
        #expect(report.roundDeadlines == 0, "a round waited for its deadline")
    }

    @Test("honest sites kept training: every round committed with them, replay verification and audit verify pass",
          .timeLimit(.minutes(2)))
    func honestSitesKeptTraining() async throws {
        let report = try await HostileScenario.shared.report()
        #expect(report.coordinatorStatus == 0, "coordinator:\n\(report.coordinatorStderrTail)")
        #expect(report.versions == [0, 1, 2, 3], "versions \(report.versions)\n\(report.coordinatorStderrTail)")
        for version in 1...3 {
            let sites = report.contributors[version] ?? []
            #expect(HostileScenario.honest.allSatisfy(sites.contains), "version \(version) contributors: \(sites)")
            #expect(!sites.contains("site-s") && !sites.contains("site-w"), "version \(version) contributors: \(sites)")
        }
        // Never dropped or replaced while the attacks ran.
        for site in HostileScenario.honest {
            #expect(report.sessionOpens[site] == 1, "\(site) opened \(report.sessionOpens[site] ?? 0) sessions")
            #expect(report.honestExitStatus[site] == 0, "\(site) exit status \(String(describing: report.honestExitStatus[site]))")
        }
        #expect(report.verifyStatus == 0, "models verify --all --replay: \(report.verifyOutput)")
        #expect(report.auditVerifyStatus == 0, "audit verify: \(report.auditVerifyOutput)")
        #expect(report.seconds < 60, "the scenario took \(report.seconds) s")
        print("hostile-client scenario: \(HostileCase.allCases.count) cases in \(String(format: "%.1f", report.seconds)) s")
    }
}
