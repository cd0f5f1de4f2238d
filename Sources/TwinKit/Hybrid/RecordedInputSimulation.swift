/// Open-loop simulation of a recorded batch: start from its initial assays and volume,
/// apply its logged inputs row by row, never look at later measurements.
///
/// This is how every model (hybrid, mechanistic, network-only) is evaluated, so their
/// numbers are comparable. Inputs are zero-order held per row; each row interval is
/// integrated by adaptive Dormand–Prince. Volume follows the volume balance from the
/// logged flows and nominal evaporation, or the logged volume (``VolumeSource``).
public struct RecordedInputSimulation: Sendable {
    public var integrator: DormandPrince45
    public var evaporation: EvaporationModel
    public var volumeSource: VolumeSource

    public init(integrator: DormandPrince45 = DormandPrince45(relativeTolerance: 1e-6, absoluteTolerance: 1e-8, maxStep: 1),
                evaporation: EvaporationModel = .nominal, volumeSource: VolumeSource = .balance) {
        self.integrator = integrator
        self.evaporation = evaporation
        self.volumeSource = volumeSource
    }

    /// States at every row time. `derivative` returns d(X, S, P, V)/dt.
    public func run(_ record: BatchRecord, derivative: (SIMD4<Double>, ReactorInputs) -> SIMD4<Double>) throws -> [ReactorState] {
        let inputs = try record.reactorInputs()
        var y = try record.initialState().vector
        // A record whose data config marks the volume as a recorded input follows it.
        let followLogged = volumeSource == .logged || record.volumeIsRecordedInput
        let logged: [Double]? = followLogged ? record.heldVolume() : nil
        if followLogged && logged == nil {
            throw BatchDataError(batchID: record.batchID, what: "volume source is 'logged' but no volume is logged")
        }
        var states: [ReactorState] = [ReactorState(y)]
        states.reserveCapacity(record.rowCount)
        var step: Double? = nil
        for i in 0..<(record.rowCount - 1) {
            let u = inputs[i]
            let r = integrator.integrate(from: record.time[i], to: record.time[i + 1], y, initialStep: step) { _, z in
                derivative(z, u)
            }
            if r.statistics.failed || !r.state.isFiniteVector {
                throw SimulationError(batchID: record.batchID, time: r.statistics.stoppedAt ?? record.time[i])
            }
            y = r.state
            if let logged { y[3] = logged[i + 1] }
            step = r.nextStep
            states.append(ReactorState(y))
        }
        return states
    }
}
