import FedTwinTransport
import Logging

extension Coordinator {
    /// The whole coordinator: binds `config.host:config.port`, then sends heartbeats and
    /// runs the round loop until the federation is finished or `stop` is called.
    ///
    /// The round loop starts only once the listener is bound, so a port in use or an
    /// address that is not local ends this call at once with `TransportError(.bindFailed)`
    /// naming the address and the OS error: nothing is audited, no round is waited for.
    /// `onBound` hears the actual port (useful with port 0) before the first round waits.
    public nonisolated func runService(transport: TransportConfiguration,
                                       onBound: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        // A frame refused from its prefix is answered with a reject signed by this
        // coordinator's key before the close (PROTOCOL.md §2), unless the caller set another.
        var answering = transport
        if answering.refusalAnswer == nil { answering.refusalAnswer = Self.refusalAnswer(signer: key) }
        let transport = answering
        let (bound, boundContinuation) = AsyncStream<Int>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [config, logger] in
                defer { boundContinuation.finish() }
                try await FrameServer.listen(
                    host: config.host, port: config.port, configuration: transport, logger: logger,
                    onBound: { port in
                        await onBound(port)
                        boundContinuation.yield(port)
                    },
                    onRefused: { error in self.connectionRefusedSoon(error) },
                    handler: { connection in await self.serve(connection) })
            }
            var ports = bound.makeAsyncIterator()
            guard await ports.next() != nil else {
                // The listener ended without binding: its error is the answer.
                try await group.next()
                return
            }
            group.addTask { await self.runHeartbeats() }
            try await run()
            // Let goodbyes reach the sites before the listener and connections close.
            try? await Task.sleep(for: .milliseconds(200))
            group.cancelAll()
        }
    }
}
