extension StrategyConfig {
    /// The settings this strategy and combiner read; any other name in `settings` is a
    /// typo (`betta1`) that would otherwise fall back to a default without a word.
    /// Unknown strategies give the combiner's names only (`makeStrategy` refuses them).
    public var settingNames: Set<String> {
        let server: Set<String>
        switch name.lowercased() {
        case "fedprox": server = ["mu"]
        case "fedadam", "fedyogi": server = ["lr", "beta1", "beta2", "tau"]
        case "fedadagrad": server = ["lr", "beta1", "tau"]
        case "fedavgm": server = ["lr", "momentum"]
        default: server = []
        }
        // Clipping applies to every combiner; `trim`, `byzantine` and `select` are refused
        // with a specific reason by `DeltaCombination` when the combiner does not use them.
        return server.union(["clip", "trim", "byzantine", "select"])
    }
}
