import FedTwinWire
import Foundation

/// Validation plans and validation records (docs/validation.md).
///
/// ```
/// plans/000001.json          validation plan version 1 (+ .sig, coordinator)
/// validation/000003.json     plan evaluated on version 3's evaluations (+ .sig, coordinator)
/// ```
extension Registry {
    static func planPath(_ n: Int) -> String { "plans/" + String(format: "%06d", n) + ".json" }
    static func planSignaturePath(_ n: Int) -> String { "plans/" + String(format: "%06d", n) + ".sig" }
    static func validationPath(_ n: Int) -> String { "validation/" + String(format: "%06d", n) + ".json" }
    static func validationSignaturePath(_ n: Int) -> String { "validation/" + String(format: "%06d", n) + ".sig" }

    /// Stored plan versions, ascending.
    public func planVersions() throws -> [Int] {
        try storage.list("plans").compactMap { $0.hasSuffix(".json") ? Int($0.dropLast(5)) : nil }.sorted()
    }

    /// Plan version `n`, checked against the coordinator's signature.
    public func plan(_ n: Int) throws -> ValidationPlan {
        let bytes = try verifiedSigned(path: Self.planPath(n), signaturePath: Self.planSignaturePath(n), domain: Canonical.planDomain)
        let plan = try decode(ValidationPlan.self, bytes, path: Self.planPath(n))
        guard plan.planVersion == n else { throw RegistryError(path: Self.planPath(n), problem: "file holds plan version \(plan.planVersion)") }
        return plan
    }

    /// The plan in force: the newest version, nil before any plan was set.
    public func currentPlan() throws -> ValidationPlan? {
        try planVersions().last.map { try plan($0) }
    }

    /// Stores `plan` as the next plan version (never rewriting an earlier one), signed by
    /// the coordinator, audited. Returns the stored plan. The person's `authored` signature
    /// over it is added by `signPlan`.
    @discardableResult
    public func setPlan(_ plan: ValidationPlan, signer: SigningKey) throws -> ValidationPlan {
        if let problem = plan.problem { throw RegistryError(path: "plan", problem: problem, code: .failed) }
        return try storage.withWriteLock {
            try requireCoordinator(signer)
            _ = try lastAuditEntry()
            var stored = plan
            stored.planVersion = (try planVersions().last ?? 0) + 1
            stored.createdAt = Canonical.now()
            let bytes = try Canonical.prettyEncoder.encode(stored).bytes
            let id = try writeSignedUnlocked(bytes, to: Self.planPath(stored.planVersion), signaturePath: Self.planSignaturePath(stored.planVersion),
                                             domain: Canonical.planDomain, signer: signer)
            try appendAudit(event: .planSet, data: ["plan": String(stored.planVersion), "id": id, "minimumSites": String(stored.minimumSites)],
                            signer: signer, durable: false)
            try storage.sync()
            return stored
        }
    }

    /// The stored validation record of a version, checked against its signature; nil if
    /// none was written (no plan when its evaluations were recorded).
    public func validation(version: Int) throws -> ValidationRecord? {
        guard try storage.read(Self.validationPath(version)) != nil else { return nil }
        let bytes = try verifiedSigned(path: Self.validationPath(version), signaturePath: Self.validationSignaturePath(version),
                                       domain: Canonical.validationDomain)
        return try decode(ValidationRecord.self, bytes, path: Self.validationPath(version))
    }

    /// (Re)computes and stores the validation record of `version` under the current plan:
    /// `fedtwin plan evaluate`, for stores whose evaluations predate the plan.
    @discardableResult
    public func evaluatePlan(version number: Int, signer: SigningKey) throws -> ValidationRecord {
        try storage.withWriteLock {
            try requireCoordinator(signer)
            let version = try self.version(number)
            guard let evaluationBytes = try storage.read(Self.evaluationPath(number)),
                  let evaluation = try evaluations(version: number) else {
                throw RegistryError(path: Self.evaluationPath(number), problem: "version \(number) has no evaluations yet")
            }
            guard let record = try recordValidationUnlocked(version: version, evaluation: evaluation, evaluationBytes: evaluationBytes, signer: signer) else {
                throw RegistryError(path: "plans", problem: "no validation plan: set one with `fedtwin plan set`")
            }
            try storage.sync()
            return record
        }
    }

    /// The hook in `recordEvaluations`: a plan that cannot be read or does not verify must
    /// not stop evaluations being recorded (nor the coordinator's rounds), so that failure
    /// is audited as `validation-not-recorded` and the evaluations stand; `fedtwin plan
    /// evaluate` writes the record once the plan is repaired. Storage failures propagate.
    func recordValidationWhenPlanned(version: StoredVersion, evaluation: EvaluationRecord, evaluationBytes: [UInt8], signer: SigningKey) throws {
        do {
            try recordValidationUnlocked(version: version, evaluation: evaluation, evaluationBytes: evaluationBytes, signer: signer)
        } catch let error as RegistryError where error.code == .failed {
            try appendAudit(event: .validationNotRecorded, data: ["version": String(version.number), "problem": error.description],
                            signer: signer, durable: false)
        }
    }

    /// Writes the validation record when a plan exists (nil otherwise). Called under the
    /// write lock; durable at the caller's barrier.
    @discardableResult
    func recordValidationUnlocked(version: StoredVersion, evaluation: EvaluationRecord, evaluationBytes: [UInt8], signer: SigningKey) throws -> ValidationRecord? {
        guard let planNumber = try planVersions().last else { return nil }
        let plan = try self.plan(planNumber)
        let planID = SHA256.hex(try storage.read(Self.planPath(planNumber)) ?? [])
        let baseline = version.number == 0 ? evaluation : try evaluations(version: 0)
        var record = Self.judge(plan: plan, evaluation: evaluation, baseline: baseline)
        record.versionID = version.id
        record.evaluationID = SHA256.hex(evaluationBytes)
        record.planID = planID
        record.planPredatesVersion = plan.createdAt <= version.manifest.createdAt
        record.coordinator = signer.publicKey.fingerprint
        let bytes = try Canonical.prettyEncoder.encode(record).bytes
        let id = try writeSignedUnlocked(bytes, to: Self.validationPath(version.number), signaturePath: Self.validationSignaturePath(version.number),
                                         domain: Canonical.validationDomain, signer: signer)
        try appendAudit(event: .validationRecorded, data: [
            "version": String(version.number), "id": id, "plan": String(planNumber), "outcome": record.outcome.rawValue,
            "sites": String(record.evaluatingSites),
        ], signer: signer, durable: false)
        return record
    }

    /// The plan's verdict on one evaluation record (pure: ids and signer are filled in by
    /// the caller). `baseline` is version 0's evaluation record, if any.
    public static func judge(plan: ValidationPlan, evaluation: EvaluationRecord, baseline: EvaluationRecord?) -> ValidationRecord {
        var results: [CriterionResult] = []
        let sites = evaluation.evaluations.sorted { $0.site < $1.site }
        for t in plan.thresholds {
            let bound = t.atMost ?? t.atLeast ?? 0
            let name = t.atMost != nil ? "\(t.metric) ≤ \(bound)" : "\(t.metric) ≥ \(bound)"
            for site in sites {
                let value = site.metrics[t.metric]
                let pass = value.map { v in v.isFinite && (t.atMost != nil ? v <= bound : v >= bound) }
                results.append(CriterionResult(criterion: name, site: site.site, value: value, threshold: bound, passed: pass))
            }
        }
        for b in plan.baselineBounds {
            for site in sites {
                let base = baseline?.evaluations.first { $0.site == site.site }?.metrics[b.metric]
                let value = site.metrics[b.metric].flatMap { v in base.map { v - $0 } }
                results.append(CriterionResult(criterion: "\(b.metric) − version 0 ≤ \(b.maxIncrease)", site: site.site, value: value,
                                               threshold: b.maxIncrease, passed: value.map { $0.isFinite && $0 <= b.maxIncrease }))
            }
        }
        let outcome: ValidationRecord.Outcome
        if results.contains(where: { $0.passed == false }) {
            outcome = .failed
        } else if sites.count < plan.minimumSites || results.contains(where: { $0.passed == nil }) {
            outcome = .incomplete
        } else {
            outcome = .passed
        }
        return ValidationRecord(format: 1, version: evaluation.version, versionID: evaluation.versionID, evaluationID: "",
                                planVersion: plan.planVersion, planID: "", planPredatesVersion: false, outcome: outcome, evaluatingSites: sites.count,
                                minimumSites: plan.minimumSites, results: results, createdAt: Canonical.now(), coordinator: evaluation.coordinator)
    }
}
