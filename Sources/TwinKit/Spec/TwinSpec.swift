import Foundation

/// A hybrid twin's declared structure: states, balances, rate laws, learnable parameters,
/// the network and what is observed — a `component spec` JSON file (docs/twin.md).
///
/// The structure is data, not code, so a plant can declare a process we never simulated
/// (a mammalian culture as readily as a penicillin fed-batch) and a reviewer can read the
/// model's assumptions in one file whose hash is recorded in the store and every manifest.
/// Decoding only checks shapes; ``validate(file:)`` checks every reference and bound and
/// names the key path of what is wrong.
public struct TwinSpec: Sendable, Equatable, Codable {
    /// The one format this code reads.
    public static let currentFormat = "fedtwin-component-spec/1"

    /// Must equal ``currentFormat``.
    public var format: String
    /// Component id sites and coordinator agree on, e.g. `hybrid-penicillin`.
    public var id: String
    public var description: String?
    /// The states integrated over a batch (concentrations and the volume).
    public var states: [StateSpec]
    /// The state the specific rates are per (biomass, viable cells): a term's default
    /// `times`.
    public var cells: String
    /// The volume state; feeds, withdrawals and evaporation act on it.
    public var volume: String
    /// Where evaporation comes from (default: recorded where logged, else none).
    public var evaporation: EvaporationSpec?
    /// Every learnable parameter of the mechanistic part.
    public var parameters: [ParameterSpec]
    /// Parameter groups and how each is aggregated (issue 13 uses `site`/`fine-tune`).
    public var groups: [GroupSpec]
    /// Specific rates, in order; the network has one output per rate with a correction or
    /// a learned form, in this order.
    public var rates: [RateSpec]
    /// One balance per concentration state.
    public var balances: [BalanceSpec]
    public var network: NetworkSpec
    /// The states the data measures and how much each counts in training.
    public var observations: [ObservationSpec]
    /// How sites train (default: rates-from-data, then trajectory fitting).
    public var training: SpecTrainingSpec?
    /// The consortium's feature scaling, when it has been fixed: written into the spec by
    /// `fedtwin twin scale` from a statistics round, so the spec's hash (recorded in the
    /// store and every manifest) covers the scaling every site trains and scores with. Absent
    /// in a spec as authored; then each user computes it from the batches it has.
    public var scaling: FeatureScaling?

    public init(format: String = TwinSpec.currentFormat, id: String, description: String? = nil, states: [StateSpec],
                cells: String, volume: String, evaporation: EvaporationSpec? = nil, parameters: [ParameterSpec],
                groups: [GroupSpec], rates: [RateSpec], balances: [BalanceSpec], network: NetworkSpec,
                observations: [ObservationSpec], training: SpecTrainingSpec? = nil, scaling: FeatureScaling? = nil) {
        self.format = format
        self.id = id
        self.description = description
        self.states = states
        self.cells = cells
        self.volume = volume
        self.evaporation = evaporation
        self.parameters = parameters
        self.groups = groups
        self.rates = rates
        self.balances = balances
        self.network = network
        self.observations = observations
        self.training = training
        self.scaling = scaling
    }
}

/// A state variable: its name (as the data config names the variable), unit and kind.
public struct StateSpec: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case concentration, volume }
    public var name: String
    /// Canonical unit of its kind as the data reader delivers it (g/L, 1e6 cells/mL, L).
    public var unit: String
    public var kind: Kind
    public var description: String?

    public init(name: String, unit: String, kind: Kind, description: String? = nil) {
        self.name = name
        self.unit = unit
        self.kind = kind
        self.description = description
    }
}

/// A learnable, strictly positive parameter with bounds; optimised in log space, so bounds
/// may span orders of magnitude.
public struct ParameterSpec: Sendable, Equatable, Codable {
    public var name: String
    public var initial: Double
    public var min: Double
    public var max: Double
    public var unit: String?
    /// A name in ``TwinSpec/groups``.
    public var group: String
    public var description: String?

    public init(name: String, initial: Double, min: Double, max: Double, unit: String? = nil, group: String, description: String? = nil) {
        self.name = name
        self.initial = initial
        self.min = min
        self.max = max
        self.unit = unit
        self.group = group
        self.description = description
    }
}

/// A parameter group and its aggregation policy.
public struct GroupSpec: Sendable, Equatable, Codable {
    public enum Policy: String, Sendable, Codable {
        /// Aggregated by the federation's strategy.
        case shared
        /// Kept and trained at each site; never leaves it.
        case site
        /// A site's own copy regularised towards the shared value with ``GroupSpec/strength``.
        case fineTune = "fine-tune"
    }
    public var name: String
    public var policy: Policy
    /// Regularisation strength towards the shared value (`fine-tune` only).
    public var strength: Double?

    public init(name: String, policy: Policy, strength: Double? = nil) {
        self.name = name
        self.policy = policy
        self.strength = strength
    }
}

/// A specific rate (per unit of ``TwinSpec/cells``): a known law, a known law times a
/// learned correction, or fully learned. Exactly one of `law` and `learned` is given;
/// `correction` only with `law`.
public struct RateSpec: Sendable, Equatable, Codable {
    public var name: String
    public var law: RateLawSpec?
    public var correction: CorrectionSpec?
    public var learned: LearnedRateSpec?
    public var description: String?

    public init(name: String, law: RateLawSpec? = nil, correction: CorrectionSpec? = nil, learned: LearnedRateSpec? = nil, description: String? = nil) {
        self.name = name
        self.law = law
        self.correction = correction
        self.learned = learned
        self.description = description
    }
}

/// rate = parameter[`maximum`] · Π factors.
public struct RateLawSpec: Sendable, Equatable, Codable {
    /// The parameter giving the rate's scale (a maximum rate, a degradation constant).
    public var maximum: String
    public var factors: [FactorSpec]

    public init(maximum: String, factors: [FactorSpec] = []) {
        self.maximum = maximum
        self.factors = factors
    }
}

/// One multiplicative factor of a rate law.
public struct FactorSpec: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// c/(K + c), `variable` c, `saturation` K.
        case monod
        /// c/(K·x + c), `variable` c, `per` x (default the cells state), `saturation` K.
        case contois
        /// c/(K + c + c²/K_I), `variable`, `saturation`, `inhibition`.
        case haldane
        /// K_I/(K_I + c), `variable`, `inhibition`.
        case inhibition
        /// PenSim's Arrhenius growth/death temperature factor (fixed literature constants).
        case pensimTemperature = "pensim-temperature"
        /// PenSim's pH factor 1/(1 + K₁/[H⁺] + [H⁺]/K₂) (fixed literature constants).
        case pensimPH = "pensim-pH"
    }
    public var type: Kind
    /// A state or recorded variable name.
    public var variable: String?
    /// A state name (Contois only).
    public var per: String?
    /// Parameter names.
    public var saturation: String?
    public var inhibition: String?

    public init(type: Kind, variable: String? = nil, per: String? = nil, saturation: String? = nil, inhibition: String? = nil) {
        self.type = type
        self.variable = variable
        self.per = per
        self.saturation = saturation
        self.inhibition = inhibition
    }
}

/// A learned correction factor in [min, max] (both > 0, typically spanning orders of
/// magnitude): factor = exp(m + h·tanh(o)) with m, h the log-space centre and half-width.
public struct CorrectionSpec: Sendable, Equatable, Codable {
    public var min: Double
    public var max: Double

    public init(min: Double, max: Double) {
        self.min = min
        self.max = max
    }
}

/// A fully learned rate: max · sigmoid(o), positive and bounded.
public struct LearnedRateSpec: Sendable, Equatable, Codable {
    public var max: Double
    /// The rate the untrained network gives (its output bias is set to logit(initial/max));
    /// default max/2. A rate whose bound is orders of magnitude above its typical value
    /// would otherwise start far too fast and its trajectories diverge before training.
    public var initial: Double?

    public init(max: Double, initial: Double? = nil) {
        self.max = max
        self.initial = initial
    }
}

/// The balance of one concentration state: reaction terms, plus feeds carrying the
/// substance (by the data config's `carries.substance` name = the state name) at their
/// concentration, dilution by volume-adding flows, concentration by evaporation;
/// withdrawals leave at broth concentration (no change in concentration).
public struct BalanceSpec: Sendable, Equatable, Codable {
    public var state: String
    public var terms: [BalanceTerm]
    /// Whether feeds carrying this substance enter it (default true).
    public var feeds: Bool?

    public init(state: String, terms: [BalanceTerm], feeds: Bool? = nil) {
        self.state = state
        self.terms = terms
        self.feeds = feeds
    }
}

/// d(state)/dt += coefficient · [parameter] / [yield] · rate · times.
public struct BalanceTerm: Sendable, Equatable, Codable {
    /// A name in ``TwinSpec/rates``.
    public var rate: String
    /// Sign and fixed stoichiometry (default 1).
    public var coefficient: Double?
    /// Multiply by this parameter.
    public var parameter: String?
    /// Divide by this parameter (a yield).
    public var yield: String?
    /// The state the specific rate multiplies (default ``TwinSpec/cells``; a state itself
    /// for first-order degradation).
    public var times: String?

    public init(rate: String, coefficient: Double? = nil, parameter: String? = nil, yield: String? = nil, times: String? = nil) {
        self.rate = rate
        self.coefficient = coefficient
        self.parameter = parameter
        self.yield = yield
        self.times = times
    }
}

/// Evaporation in the volume balance.
public struct EvaporationSpec: Sendable, Equatable, Codable {
    public enum Source: String, Sendable, Codable {
        /// The data's logged evaporation; none where it is not logged.
        case recorded
        /// E = parameter · V (a learnable parameter, 1/h), unless logged.
        case law
        case none
    }
    public var source: Source
    /// Required for `law`.
    public var parameter: String?

    public init(source: Source, parameter: String? = nil) {
        self.source = source
        self.parameter = parameter
    }
}

/// The network: inputs, hidden layer sizes, its parameter group.
public struct NetworkSpec: Sendable, Equatable, Codable {
    public var inputs: [NetworkInputSpec]
    public var hidden: [Int]
    /// `tanh` (default).
    public var activation: String?
    public var group: String

    public init(inputs: [NetworkInputSpec], hidden: [Int], activation: String? = nil, group: String) {
        self.inputs = inputs
        self.hidden = hidden
        self.activation = activation
        self.group = group
    }
}

/// A network input: a state (the simulated value), a recorded variable of the data
/// (temperature, pH, dissolved_oxygen, any named variable; held between logged values),
/// the total volume-adding feed rate, or elapsed time.
public struct NetworkInputSpec: Sendable, Equatable, Codable {
    public enum Source: String, Sendable, Codable {
        case state, recorded
        case feedRate = "feed-rate"
        case time
    }
    public var source: Source
    /// State or variable name (not for `feed-rate` / `time`).
    public var variable: String?
    /// `log` feeds log(max(x, floor)) — for concentrations spanning decades (default linear).
    public var transform: String?

    public init(source: Source, variable: String? = nil, transform: String? = nil) {
        self.source = source
        self.variable = variable
        self.transform = transform
    }
}

/// A measured state: which data variable holds it and its weight in the training loss
/// (residuals are also divided by the consortium's spread of that variable).
public struct ObservationSpec: Sendable, Equatable, Codable {
    public var state: String
    /// Data variable name, default the state's name.
    public var variable: String?
    public var weight: Double?

    public init(state: String, variable: String? = nil, weight: Double? = nil) {
        self.state = state
        self.variable = variable
        self.weight = weight
    }
}

/// Training choices of the spec's component.
public struct SpecTrainingSpec: Sendable, Equatable, Codable {
    public enum Method: String, Sendable, Codable {
        /// Interval-average rates from the assays' mass balances, fitted directly.
        case rates
        /// Whole trajectories through the ODE (see docs/twin.md).
        case trajectory
        /// Rates first (a warm start), then trajectories.
        case both
    }
    public var method: Method?
    /// Pull of every network weight towards zero, i.e. of the corrections towards the
    /// known laws.
    public var priorStrength: Double?
    /// Largest integration step (h) of trajectory fitting.
    public var maxStep: Double?
    /// Adam step size of both stages; overrides the task's `learningRate` when given, since
    /// a suitable step in log-parameter space is a property of the model, not of the round.
    public var learningRate: Double?
    /// Full-batch Adam steps of the rates-from-data stage (default 300).
    public var rateSteps: Int?

    public init(method: Method? = nil, priorStrength: Double? = nil, maxStep: Double? = nil, learningRate: Double? = nil,
                rateSteps: Int? = nil) {
        self.method = method
        self.priorStrength = priorStrength
        self.maxStep = maxStep
        self.learningRate = learningRate
        self.rateSteps = rateSteps
    }
}
