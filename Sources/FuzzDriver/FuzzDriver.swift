import Foundation

#if FUZZING
/// libFuzzer's documented entry point for programs that own `main` (LLVM ≥ 12).
/// `@_silgen_name` binds the C symbol; pointers and integers pass the same way in both
/// calling conventions.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif

/// The `main` every fuzz target shares, so a target is only its per-input check.
///
/// SwiftPM on Linux links an executable's `main` to a `<Module>_main` symbol, so a target
/// cannot leave `main` to libFuzzer (it fails to link: `undefined symbol
/// 'FuzzFrameDecoder_main'`). Instead each target has an `@main` that calls `run`:
/// - built with `-Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING` (scripts/fuzz.sh),
///   `run` hands control to libFuzzer, which calls the target's
///   `@_cdecl("LLVMFuzzerTestOneInput")` function per input;
/// - in a plain `swift build` (which builds every product), no libFuzzer is linked and
///   `run` replays the files named on the command line — a corpus or a crash reproducer —
///   through the same checks.
public enum FuzzDriver {
    public static func run(_ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) throws -> Never {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, testOneInput))
        #else
        for path in CommandLine.arguments.dropFirst() {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            _ = bytes.withUnsafeBufferPointer { testOneInput($0.baseAddress, $0.count) }
        }
        print("replayed \(CommandLine.arguments.count - 1) inputs")
        exit(0)
        #endif
    }
}
