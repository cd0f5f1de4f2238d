import Foundation

/// The right-hand side and its hand-written vector–Jacobian product.
extension SpecModel {
    /// One factor's value and partial derivatives: with respect to its variable (zero where
    /// the variable is clamped at 0), its `per` state (Contois) and the logs of its
    /// saturation and inhibition constants.
    struct FactorValue {
        var value: Double
        var dVariable = 0.0
        var dPer = 0.0
        var dLogSaturation = 0.0
        var dLogInhibition = 0.0
    }

    /// Everything the derivative and the pullback share at one point.
    struct Point {
        var p: [Double]
        var free: [Bool]
        var volume: Double
        var volumeFree: Bool
        var evaporation: Double
        /// ∂E/∂V and ∂E/∂log k (law only).
        var dEvaporationDVolume: Double
        var dEvaporationDLog: Double
        var rate: [Double]
        var lawValue: [Double]
        var factors: [[FactorValue]]
        var correction: [Double]
        /// ∂rate/∂o for rates with a network output.
        var dRateDOutput: [Double]
        var trace: MLPTrace?
        var network: MLP?
        /// ∂(scaled input)/∂(its state), per network input (0 for non-state inputs).
        var dInputDState: [Double]
    }

    func variableValue(_ ref: VariableRef, _ y: [Double], _ u: SpecInputs) -> Double {
        switch ref {
        case .state(let i): return y[i]
        case .recorded(let j): return u.recorded[j]
        }
    }

    func factor(_ f: CompiledFactor, _ y: [Double], _ u: SpecInputs, _ p: [Double]) -> FactorValue {
        let raw = variableValue(f.variable, y, u)
        let c = max(raw, 0)
        let mask: Double = raw > 0 ? 1 : 0
        switch f.type {
        case .monod:
            let k = p[f.saturation!]
            let d = k + c
            guard d > 0 else { return FactorValue(value: 0) }
            return FactorValue(value: c / d, dVariable: mask * k / (d * d), dLogSaturation: -c * k / (d * d))
        case .contois:
            let k = p[f.saturation!]
            let xRaw = y[f.per]
            let x = max(xRaw, 0)
            let d = k * x + c
            guard d > 0 else { return FactorValue(value: 0) }
            let xMask: Double = xRaw > 0 ? 1 : 0
            return FactorValue(value: c / d, dVariable: mask * k * x / (d * d), dPer: -xMask * c * k / (d * d),
                               dLogSaturation: -c * x * k / (d * d))
        case .haldane:
            let k = p[f.saturation!], ki = p[f.inhibition!]
            let d = k + c + c * c / ki
            guard d > 0 else { return FactorValue(value: 0) }
            return FactorValue(value: c / d, dVariable: mask * (k - c * c / ki) / (d * d),
                               dLogSaturation: -c * k / (d * d), dLogInhibition: c * c * c / (ki * d * d))
        case .inhibition:
            let ki = p[f.inhibition!]
            let d = ki + c
            return FactorValue(value: ki / d, dVariable: -mask * ki / (d * d), dLogInhibition: ki * c / (d * d))
        case .pensimTemperature:
            let k = PenicillinKinetics.nominal
            let t = raw + 273.15
            let r = PenicillinKinetics.gasConstant
            let g = k.growthPreExponential * Foundation.exp(-k.growthActivation / (r * t))
            let dd = k.deathPreExponential * Foundation.exp(-k.deathActivation / (r * t))
            return FactorValue(value: g - dd, dVariable: (g * k.growthActivation - dd * k.deathActivation) / (r * t * t))
        case .pensimPH:
            let k = PenicillinKinetics.nominal
            let h = Foundation.pow(10, -raw)
            let value = 1 / (1 + k.pHConstant1 / h + h / k.pHConstant2)
            return FactorValue(value: value, dVariable: -value * value * Foundation.log(10) * (k.pHConstant1 / h - h / k.pHConstant2))
        }
    }

    func point(_ y: [Double], _ t: Double, _ u: SpecInputs, _ θ: [Double]) -> Point {
        let m = mechanisticCount
        var p = [Double](repeating: 0, count: m)
        var free = [Bool](repeating: true, count: m)
        for i in 0..<m {
            let (lo, hi) = logBounds[i]
            let z = θ[i]
            if z < lo { p[i] = Foundation.exp(lo); free[i] = false } else if z > hi { p[i] = Foundation.exp(hi); free[i] = false } else { p[i] = Foundation.exp(z) }
        }
        let v = max(y[volumeIndex], 1e-9)
        var e = 0.0, dEdV = 0.0, dEdLog = 0.0
        switch evaporationSource {
        case .none: break
        case .recorded: e = u.evaporation ?? 0
        case .law:
            if let logged = u.evaporation { e = logged } else if let k = evaporationParameter {
                e = p[k] * v
                dEdV = p[k]
                dEdLog = p[k] * v
            }
        }
        // Network.
        var trace: MLPTrace?
        var network: MLP?
        var dInput = [Double](repeating: 0, count: inputs.count)
        if let sizes = layerSizes {
            var z = [Double](repeating: 0, count: inputs.count)
            for (i, input) in inputs.enumerated() {
                var raw: Double
                var isState = false
                switch input.source {
                case .state(let s): raw = y[s]; isState = true
                case .recorded(let j): raw = u.recorded[j]
                case .feedRate: raw = u.volumeFeed
                case .time: raw = t
                }
                var d = 1.0
                if input.log {
                    if raw > Self.logFloor { d = 1 / raw } else { d = 0 }
                    raw = Foundation.log(max(raw, Self.logFloor))
                }
                z[i] = scaling.scaled(raw, feature: i)
                dInput[i] = isState ? d / scaling.std[i] : 0
            }
            // Force-try is safe: the θ slice has exactly the network's parameter count.
            let net = try! MLP(layerSizes: sizes, activations: activations, parameters: Array(θ[m..<(m + networkCount)]))
            trace = net.trace(z)
            network = net
        }
        let o = trace?.output ?? []
        var rate = [Double](repeating: 0, count: rates.count)
        var law = [Double](repeating: 0, count: rates.count)
        var factors = [[FactorValue]](repeating: [], count: rates.count)
        var correction = [Double](repeating: 1, count: rates.count)
        var dRdO = [Double](repeating: 0, count: rates.count)
        for (k, r) in rates.enumerated() {
            if let learned = r.learned {
                let s = Activation.logistic(o[learned.output])
                rate[k] = learned.max * s
                dRdO[k] = learned.max * s * (1 - s)
                continue
            }
            var a = p[r.maximum!]
            let fs = r.factors.map { factor($0, y, u, p) }
            for f in fs { a *= f.value }
            law[k] = a
            factors[k] = fs
            if let c = r.correction {
                let th = Foundation.tanh(o[c.output])
                let factor = Foundation.exp(c.centre + c.halfWidth * th)
                correction[k] = factor
                dRdO[k] = a * factor * c.halfWidth * (1 - th * th)
            }
            rate[k] = a * correction[k]
        }
        return Point(p: p, free: free, volume: v, volumeFree: y[volumeIndex] > 1e-9, evaporation: e,
                     dEvaporationDVolume: dEdV, dEvaporationDLog: dEdLog, rate: rate, lawValue: law, factors: factors,
                     correction: correction, dRateDOutput: dRdO, trace: trace, network: network, dInputDState: dInput)
    }

    /// The specific rates at a point (in spec rate order), for diagnostics and rate fitting.
    public func rates(_ y: [Double], time t: Double, inputs u: SpecInputs, parameters θ: [Double]) -> [Double] {
        point(y, t, u, θ).rate
    }

    public func derivative(_ y: [Double], time t: Double, inputs u: SpecInputs, parameters θ: [Double]) -> [Double] {
        let pt = point(y, t, u, θ)
        let v = pt.volume
        let dilution = (u.volumeFeed - pt.evaporation) / v
        var dy = [Double](repeating: 0, count: stateCount)
        dy[volumeIndex] = u.volumeFeed - u.withdrawal - pt.evaporation
        for s in 0..<stateCount where s != volumeIndex {
            var d = -dilution * y[s]
            if takesFeeds[s] { d += u.inflow[s] / v }
            for term in balances[s] {
                var scale = term.coefficient
                if let q = term.parameter { scale *= pt.p[q] }
                if let q = term.yield { scale /= pt.p[q] }
                d += scale * pt.rate[term.rate] * y[term.times]
            }
            dy[s] = d
        }
        return dy
    }

    public func pullback(_ y: [Double], time t: Double, inputs u: SpecInputs, parameters θ: [Double],
                         cotangent λ: [Double]) -> (state: [Double], parameters: [Double]) {
        let pt = point(y, t, u, θ)
        var gy = [Double](repeating: 0, count: stateCount)
        var gθ = [Double](repeating: 0, count: parameterCount)
        var gRate = [Double](repeating: 0, count: rates.count)
        let v = pt.volume, vi = volumeIndex
        let vMask: Double = pt.volumeFree ? 1 : 0
        let net = u.volumeFeed - pt.evaporation
        let evapFree = evaporationParameter.map { pt.free[$0] } ?? false
        // Volume balance.
        let λv = λ[vi]
        gy[vi] += λv * -pt.dEvaporationDVolume * vMask
        if let k = evaporationParameter, evapFree { gθ[k] += λv * -pt.dEvaporationDLog }
        for s in 0..<stateCount where s != vi {
            let λs = λ[s]
            guard λs != 0 else { continue }
            gy[s] += -λs * net / v
            var dV = y[s] * (pt.dEvaporationDVolume / v + net / (v * v))
            if takesFeeds[s] { dV -= u.inflow[s] / (v * v) }
            gy[vi] += λs * dV * vMask
            if let k = evaporationParameter, evapFree { gθ[k] += λs * y[s] * pt.dEvaporationDLog / v }
            for term in balances[s] {
                var scale = term.coefficient
                if let q = term.parameter { scale *= pt.p[q] }
                if let q = term.yield { scale /= pt.p[q] }
                let value = scale * pt.rate[term.rate] * y[term.times]
                gRate[term.rate] += λs * scale * y[term.times]
                gy[term.times] += λs * scale * pt.rate[term.rate]
                if let q = term.parameter, pt.free[q] { gθ[q] += λs * value }
                if let q = term.yield, pt.free[q] { gθ[q] -= λs * value }
            }
        }
        // Rates.
        var gOutput = [Double](repeating: 0, count: layerSizes?.last ?? 0)
        var anyOutput = false
        for (k, r) in rates.enumerated() {
            let g = gRate[k]
            guard g != 0 else { continue }
            if let learned = r.learned {
                gOutput[learned.output] += g * pt.dRateDOutput[k]
                anyOutput = true
                continue
            }
            let maxIndex = r.maximum!
            if pt.free[maxIndex] { gθ[maxIndex] += g * pt.rate[k] }
            let fs = pt.factors[k]
            for (j, f) in r.factors.enumerated() {
                var others = pt.p[maxIndex] * pt.correction[k]
                for (i, fi) in fs.enumerated() where i != j { others *= fi.value }
                let w = g * others
                let fv = fs[j]
                if case .state(let s) = f.variable { gy[s] += w * fv.dVariable }
                if f.type == .contois { gy[f.per] += w * fv.dPer }
                if let q = f.saturation, pt.free[q] { gθ[q] += w * fv.dLogSaturation }
                if let q = f.inhibition, pt.free[q] { gθ[q] += w * fv.dLogInhibition }
            }
            if let c = r.correction {
                gOutput[c.output] += g * pt.dRateDOutput[k]
                anyOutput = true
            }
        }
        if anyOutput, let network = pt.network, let trace = pt.trace {
            var gNet = [Double](repeating: 0, count: networkCount)
            let gInput = network.backward(trace, outputGradient: gOutput, parameterGradient: &gNet)
            let m = mechanisticCount
            for i in 0..<networkCount { gθ[m + i] += gNet[i] }
            for (i, input) in inputs.enumerated() {
                if case .state(let s) = input.source { gy[s] += gInput[i] * pt.dInputDState[i] }
            }
        }
        return (gy, gθ)
    }
}
