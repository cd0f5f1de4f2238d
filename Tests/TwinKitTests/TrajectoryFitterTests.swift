import Foundation
import Testing
@testable import TwinKit

// bench-fit: model begin (scripts/bench-fit.sh compiles this part in release)
/// Monod growth on one substrate in a fed-batch: X (g/L), S (g/L), V (L); a feed F (L/h) of
/// substrate at concentration S_f dilutes the broth. θ = ln(μmax, Ks, Y_X/S, k_d).
/// Nonlinear in every state and parameter, with a hand-written pullback, as a spec model has.
struct MonodFedBatch: TrajectoryModel {
    struct Inputs: Sendable {
        var feed: Double
        var feedSubstrate: Double
    }

    var stateCount: Int { 3 }
    var parameterCount: Int { 4 }

    func derivative(_ y: [Double], time t: Double, inputs u: Inputs, parameters θ: [Double]) -> [Double] {
        let (x, s, v) = (y[0], y[1], y[2])
        let (a, k, yield, kd) = (exp(θ[0]), exp(θ[1]), exp(θ[2]), exp(θ[3]))
        let d = u.feed / v
        let mu = a * s / (k + s)
        return [mu * x - d * x - kd * x, -mu * x / yield + d * (u.feedSubstrate - s), u.feed]
    }

    func pullback(_ y: [Double], time t: Double, inputs u: Inputs, parameters θ: [Double],
                  cotangent λ: [Double]) -> (state: [Double], parameters: [Double]) {
        let (x, s, v) = (y[0], y[1], y[2])
        let (a, k, yield, kd) = (exp(θ[0]), exp(θ[1]), exp(θ[2]), exp(θ[3]))
        let d = u.feed / v
        let mu = a * s / (k + s)
        let muS = a * k / ((k + s) * (k + s))
        let muLogK = -a * s * k / ((k + s) * (k + s))
        let dV = -u.feed / (v * v)
        let (lx, ls) = (λ[0], λ[1])
        let state = [
            lx * (mu - d - kd) + ls * (-mu / yield),
            lx * (x * muS) + ls * (-x * muS / yield - d),
            lx * (-x * dV) + ls * ((u.feedSubstrate - s) * dV),
        ]
        let parameters = [
            lx * mu * x - ls * mu * x / yield,
            lx * x * muLogK - ls * x * muLogK / yield,
            ls * mu * x / yield,
            -lx * kd * x,
        ]
        return (state, parameters)
    }
}

// bench-fit: model end

@Suite("Trajectory fitter")
struct TrajectoryFitterTests {
    typealias Problem = TrajectoryProblem<MonodFedBatch.Inputs>

    // bench-fit: scenario begin
    /// Truth: μmax 0.25 /h, Ks 1.5 g/L, Y 0.5 g/g, k_d 0.01 /h. With a 100 g/L feed the
    /// substrate equation's stiffness is about (μmax/Ks)·(substrate consumed) ≈ 5 /h, so RK4
    /// at 0.25 h steps (hλ ≈ 1.2) is stable; a much larger μmax/Ks needs a smaller step.
    static let truth = [log(0.25), log(1.5), log(0.5), log(0.01)]
    /// A point away from the truth with every gradient component non-trivial.
    static let offTruth = zip(truth, [0.3, 0.2, -0.3, 0.5]).map { $0 + $1 }

    /// A 40 h fed-batch, rows every 2 h, feed from 10 h. The logged volume (a sample of
    /// 0.02 L drawn at every row) is a recorded state, so the integration resets to it.
    static func batch(x0: Double, s0: Double, feed: Double, rows: Int = 21) -> Problem {
        let times = (0..<rows).map { 2.0 * Double($0) }
        let inputs = times.dropLast().map { MonodFedBatch.Inputs(feed: $0 >= 10 ? feed : 0, feedSubstrate: 100) }
        var volume: [Double?] = []
        var v = 5.0
        for (i, t) in times.enumerated() {
            if i > 0 { v += inputs[i - 1].feed * (t - times[i - 1]) - 0.02 }
            volume.append(v)
        }
        return Problem(times: times, inputs: inputs, initialState: [x0, s0, 5.0], observations: [], recorded: [2: volume])
    }

    /// Observes X and S of `problem` as simulated at `θ` every `every` rows (noise-free).
    static func observed(_ problem: Problem, at θ: [Double], every: Int, fitter: TrajectoryFitter<MonodFedBatch>) throws -> Problem {
        let states = try fitter.simulate(problem, parameters: θ)
        var p = problem
        for row in stride(from: every, to: problem.times.count, by: every) {
            p.observations.append(.init(row: row, state: 0, value: states[row][0], scale: 0.2))
            p.observations.append(.init(row: row, state: 1, value: states[row][1], scale: 0.1))
        }
        return p
    }

    static let fitter = TrajectoryFitter(model: MonodFedBatch(), maxStep: 0.25)

    static func problems() throws -> [Problem] {
        try [
            observed(batch(x0: 0.5, s0: 10, feed: 0.03), at: truth, every: 3, fitter: fitter),
            observed(batch(x0: 0.3, s0: 14, feed: 0.045), at: truth, every: 3, fitter: fitter),
            observed(batch(x0: 0.8, s0: 6, feed: 0.02), at: truth, every: 3, fitter: fitter),
        ]
    }

    // bench-fit: scenario end

    @Test("the adjoint gradient matches central finite differences, with recorded-state resets")
    func adjointMatchesFiniteDifferences() throws {
        let problem = try Self.problems()[0]
        #expect(problem.recorded[2]?.allSatisfy { $0 != nil } == true)
        // Away from the truth, so every residual and every parameter's gradient is non-trivial.
        let θ = Self.offTruth
        let report = try GradientCheck().run(Self.fitter, problem: problem, parameters: θ)
        #expect(report.analytic.allSatisfy { abs($0) > 1e-3 }, "\(report.analytic)")
        #expect(report.maxRelativeError < 1e-6, "worst parameter \(String(describing: report.worstParameter)): \(report.relativeErrors)")
    }

    @Test("a wrong pullback is caught by the gradient check")
    func gradientCheckCatchesAWrongPullback() throws {
        /// The test model with the yield's parameter gradient dropped.
        struct Broken: TrajectoryModel {
            var inner = MonodFedBatch()
            var stateCount: Int { 3 }
            var parameterCount: Int { 4 }
            func derivative(_ y: [Double], time t: Double, inputs u: MonodFedBatch.Inputs, parameters θ: [Double]) -> [Double] {
                inner.derivative(y, time: t, inputs: u, parameters: θ)
            }
            func pullback(_ y: [Double], time t: Double, inputs u: MonodFedBatch.Inputs, parameters θ: [Double],
                          cotangent λ: [Double]) -> (state: [Double], parameters: [Double]) {
                var r = inner.pullback(y, time: t, inputs: u, parameters: θ, cotangent: λ)
                r.parameters[2] = 0
                return r
            }
        }
        let problem = try Self.problems()[0]
        let θ = Self.offTruth
        let report = try GradientCheck().run(TrajectoryFitter(model: Broken(), maxStep: 0.25), problem: problem, parameters: θ)
        #expect(report.worstParameter == 2)
        #expect(report.maxRelativeError > 0.5)
    }

    @Test("recorded resets cut the gradient: a state reset at every row has no influence across rows")
    func resetsCutTheGradient() throws {
        var problem = Self.batch(x0: 0.5, s0: 10, feed: 0.03, rows: 6)
        // X and S (and V) recorded at every row; observe X and S at the last row only.
        problem.recorded[0] = [0.5, 0.9, 1.6, 2.5, 3.1, 3.4]
        problem.recorded[1] = [10, 9.2, 7.9, 5.7, 2.2, 0.9]
        problem.observations = [.init(row: 5, state: 0, value: 3, scale: 0.2), .init(row: 5, state: 1, value: 1, scale: 0.1)]
        let θ = Self.truth
        let report = try GradientCheck().run(Self.fitter, problem: problem, parameters: θ)
        #expect(report.maxRelativeError < 1e-6, "\(report.relativeErrors)")
        // Row 5 is integrated from row 4's recorded values: changing an earlier recorded value
        // leaves its loss unchanged only if the integration really restarts at every row.
        var changed = problem
        changed.recorded[0]![2] = 9.0
        #expect(try Self.fitter.loss(changed, parameters: θ) == Self.fitter.loss(problem, parameters: θ))
        changed.recorded[0]![4] = 9.0
        #expect(try Self.fitter.loss(changed, parameters: θ) != Self.fitter.loss(problem, parameters: θ))
    }

    @Test("the clamp keeps states non-negative and its gradient still matches finite differences")
    func clampAtZero() throws {
        // Fast growth on little substrate, one coarse step per 2 h row: RK4 overshoots S below 0.
        let θ = [log(1.2), log(0.02), log(0.5), log(0.01)]
        var problem = Self.batch(x0: 2, s0: 3, feed: 0.01, rows: 8)
        let coarse = TrajectoryFitter(model: MonodFedBatch(), maxStep: 2)
        let unclamped = try coarse.simulate(problem, parameters: θ)
        #expect(unclamped.contains { $0[1] < 0 }, "the scenario must make RK4 overshoot")
        let clamping = TrajectoryFitter(model: MonodFedBatch(), maxStep: 2, clampsAtZero: true)
        let clamped = try clamping.simulate(problem, parameters: θ)
        #expect(clamped.allSatisfy { $0.allSatisfy { $0 >= 0 } })
        problem.observations = (1..<8).flatMap { row in
            [TrajectoryProblem<MonodFedBatch.Inputs>.Observation(row: row, state: 0, value: 3, scale: 0.2),
             .init(row: row, state: 1, value: 0.05, scale: 0.1)]
        }
        let report = try GradientCheck().run(clamping, problem: problem, parameters: θ)
        #expect(report.maxRelativeError < 1e-6, "\(report.relativeErrors)")
    }

    @Test("non-finite states are a typed error naming the batch and the row")
    func nonFiniteStateIsReported() throws {
        var problem = try Self.problems()[0]
        // exp(800) overflows: the growth rate is infinite.
        let θ = [800, log(0.5), log(0.5), log(0.01)]
        #expect(throws: TrajectoryFitError(batch: 4, row: 1, reason: .nonFiniteState(state: 0, time: 0.25))) {
            try Self.fitter.lossAndGradient(problem, parameters: θ, batch: 4)
        }
        // A zero initial volume with a feed: the dilution rate F/V is infinite at 10 h.
        problem.initialState[2] = 0
        problem.recorded = [:]
        problem.inputs = problem.inputs.map { .init(feed: 0.03, feedSubstrate: $0.feedSubstrate) }
        do {
            _ = try Self.fitter.loss(problem, parameters: Self.truth, batch: 2)
            Issue.record("expected a divergence")
        } catch let error as TrajectoryFitError {
            #expect(error.batch == 2 && error.row == 1)
            #expect(error.description.hasPrefix("batch 2, row 1: state"))
        }
    }

    @Test("invalid problems are refused before integration, with what and where")
    func invalidProblemsAreRefused() throws {
        var problem = try Self.problems()[0]
        problem.inputs.removeLast()
        #expect(throws: TrajectoryFitError(batch: 1, row: nil, reason: .invalidProblem("19 input intervals for 21 rows (expected 20)"))) {
            try Self.fitter.loss(problem, parameters: Self.truth, batch: 1)
        }
        problem = try Self.problems()[0]
        problem.observations[0].scale = 0
        #expect(throws: TrajectoryFitError.self) { try Self.fitter.loss(problem, parameters: Self.truth) }
        problem = try Self.problems()[0]
        problem.times[5] = 1
        #expect(throws: TrajectoryFitError.self) { try Self.fitter.loss(problem, parameters: Self.truth) }
        #expect(throws: TrajectoryFitError(batch: nil, row: nil, reason: .parameterCount(expected: 4, got: 3))) {
            try Self.fitter.loss(Self.problems()[0], parameters: [0, 0, 0])
        }
        #expect(throws: TrajectoryFitError(batch: nil, row: nil, reason: .nonFiniteParameter(index: 1))) {
            try Self.fitter.loss(Self.problems()[0], parameters: [0, .nan, 0, 0])
        }
        // A bad problem in a fit is an error up front, not a divergence.
        var problems = try Self.problems()
        problems[1].recorded[2]?.removeLast()
        #expect(throws: TrajectoryFitError.self) {
            try Self.fitter.fit(problems: problems, initial: Self.truth, options: .init(epochs: 1, seed: 1))
        }
    }

    @Test("the same seed gives bit-identical parameters; another seed another minibatch order")
    func fitIsDeterministic() throws {
        let problems = try Self.problems()
        let start = zip(Self.truth, [0.5, 0.5, -0.4, 0.5]).map { $0 + $1 }
        let options = TrajectoryFitOptions(epochs: 4, batchSize: 1, learningRate: 0.05, seed: 7)
        let a = try Self.fitter.fit(problems: problems, initial: start, options: options)
        let b = try Self.fitter.fit(problems: problems, initial: start, options: options)
        #expect(a.parameters == b.parameters)
        #expect(a.lossHistory == b.lossHistory)
        #expect(a.steps == 12)
        var other = options
        other.seed = 8
        let c = try Self.fitter.fit(problems: problems, initial: start, options: other)
        #expect(c.parameters != a.parameters)
    }

    @Test("a diverging batch is skipped and reported; the fit fails only when all diverge")
    func divergingProblemIsReported() throws {
        var problems = try Self.problems()
        var bad = problems[1]
        bad.initialState[2] = 0
        bad.recorded = [:]
        bad.inputs = bad.inputs.map { .init(feed: 0.03, feedSubstrate: $0.feedSubstrate) }
        problems.insert(bad, at: 1)
        var epochs: [Int] = []
        let result = try Self.fitter.fit(problems: problems, initial: Self.truth,
                                         options: .init(epochs: 2, batchSize: 2, seed: 3),
                                         progress: { epoch, loss in
                                             epochs.append(epoch)
                                             #expect(loss.isFinite)
                                         })
        #expect(epochs == [0, 1])
        #expect(result.diverged.count == 1)
        #expect(result.diverged.first?.batch == 1)
        #expect(result.diverged.first?.epoch == 0)
        #expect(result.diverged.first?.error.row == 1)
        #expect(result.finalLoss.isFinite)
        #expect(throws: TrajectoryFitError(batch: nil, row: nil, reason: .allDiverged(count: 2))) {
            try Self.fitter.fit(problems: [bad, bad], initial: Self.truth, options: .init(epochs: 1, seed: 3))
        }
    }

    @Test("the regulariser's gradient enters every step")
    func regulariserPullsTowardsItsCentre() throws {
        let problems = try Self.problems()
        let centre = zip(Self.truth, [1.0, 1.0, 1.0, 1.0]).map { $0 + $1 }
        let weight = 1e7
        let prior: ([Double]) -> (value: Double, gradient: [Double]) = { θ in
            let d = zip(θ, centre).map { $0 - $1 }
            return (weight * d.reduce(0) { $0 + $1 * $1 }, d.map { 2 * weight * $0 })
        }
        let options = TrajectoryFitOptions(epochs: 30, batchSize: 3, learningRate: 0.1, seed: 1, maxGradientNorm: nil)
        let free = try Self.fitter.fit(problems: problems, initial: Self.truth, options: options)
        let held = try Self.fitter.fit(problems: problems, initial: Self.truth, options: options, regulariser: prior)
        // Without the prior the fit stays at the truth (zero residuals); a strong prior drags θ towards its centre.
        for q in 0..<4 {
            #expect(abs(free.parameters[q] - Self.truth[q]) < 0.05)
            #expect(held.parameters[q] - Self.truth[q] > 0.5)
        }
        #expect(held.regulariserHistory.count == 30 && held.regulariserHistory.last! < held.regulariserHistory.first!)
    }

    @Test("known parameters are recovered from sparse assays, starting 3x off on every parameter")
    func recoversKnownParameters() throws {
        // Noise-free X and S every third row (6 h) of three batches simulated at the truth;
        // start with μmax, Ks, k_d ×3 and Y ÷3 (μmax/Ks kept so the start is as stiff as the truth).
        let start = zip(Self.truth, [1.0, 1.0, -1.0, 1.0]).map { $0 + $1 * log(3) }
        let options = TrajectoryFitOptions(epochs: 300, batchSize: 3, learningRate: 0.05, finalLearningRateFraction: 0.05, seed: 1)
        let result = try Self.fitter.fit(problems: Self.problems(), initial: start, options: options)
        #expect(result.diverged.isEmpty)
        #expect(result.lossHistory.first! > 100 && result.finalLoss < 1e-4, "\(result.lossHistory.first!) → \(result.finalLoss)")
        // Stated tolerance: every parameter within 1 % of the truth (seen: within 0.01 %).
        for q in 0..<4 {
            let ratio = exp(result.parameters[q] - Self.truth[q])
            #expect(abs(ratio - 1) < 0.01, "parameter \(q): fitted/true = \(ratio)")
        }
    }

    @Test("bounds hold θ in its box and the parameters that end on a bound are listed")
    func boundsAreEnforcedAndReported() throws {
        // The yield may not exceed 0.4 (truth 0.5); the others are free within wide limits.
        let start = zip(Self.truth, [0.2, 0.2, -0.5, 0.2]).map { $0 + $1 }
        let bounds: [ClosedRange<Double>] = [-10...10, -.infinity ... .infinity, log(0.1)...log(0.4), -10...10]
        let options = TrajectoryFitOptions(epochs: 40, batchSize: 3, learningRate: 0.05, seed: 1, bounds: bounds)
        let result = try Self.fitter.fit(problems: Self.problems(), initial: start, options: options)
        #expect(result.parametersAtBound == [2])
        #expect(result.parameters[2] == log(0.4))
        #expect(zip(result.parameters, bounds).allSatisfy { $1.contains($0) })
        var wrong = options
        wrong.bounds = Array(bounds.dropLast())
        #expect(throws: TrajectoryFitError(batch: nil, row: nil, reason: .invalidOptions("3 bounds for 4 parameters"))) {
            try Self.fitter.fit(problems: Self.problems(), initial: start, options: wrong)
        }
        #expect(throws: TrajectoryFitError.self) {
            try Self.fitter.fit(problems: Self.problems(), initial: Self.truth, options: options)
        }
    }
}
