import FedTwinAggregation
import FedTwinCoordinator
import Foundation
import Testing

@Test func combinerClipAndNormBoundAreRead() throws {
    let config = try ConfigurationFile.load(#"{"minSites": 5, "maxUpdateNorm": 10, "strategy": {"name": "fedavg", "combiner": "krum", "settings": {"byzantine": 1, "clip": 2}}}"#)
    #expect(config.strategy == StrategyConfig(name: "fedavg", settings: ["byzantine": 1, "clip": 2], combiner: "krum"))
    #expect(config.maxUpdateNorm == 10)
    #expect(try ConfigurationFile.load(#"{"strategy": {"name": "fedadam"}}"#).strategy.combiner == "mean")
    #expect(CoordinatorConfiguration().maxUpdateNorm == nil)
}

@Test(arguments: [
    (#"{"strategy": {"name": "fedavg", "combiner": "mode"}}"#, "strategy.combiner"),
    (#"{"strategy": {"name": "fedavg", "settings": {"clip": -1}}}"#, "strategy.settings.clip"),
    (#"{"strategy": {"name": "fedavg", "combiner": "trimmed-mean", "settings": {"trim": 0.5}}}"#, "strategy.settings.trim"),
    (#"{"strategy": {"name": "fedavg", "combiner": "krum"}, "minSites": 4}"#, "strategy.settings.byzantine"),
    (#"{"strategy": {"name": "fedavg", "combiner": "multi-krum", "settings": {"select": 5}}, "minSites": 5}"#, "strategy.settings.select"),
    (#"{"maxUpdateNorm": 0}"#, "maxUpdateNorm"),
    (#"{"maxUpdateNorm": "big"}"#, "maxUpdateNorm"),
])
func robustConfigErrorsNameTheKey(text: String, key: String) throws {
    try ConfigurationFile.expectRefused(text, key: key)
}
