/// Two connected in-memory endpoints, for unit-testing coordinator and site runtimes
/// without sockets. Frames are delivered in order and unchanged; closing either end
/// finishes both ends' `inbound` (the other end sees a clean EOF) and makes later sends
/// throw `TransportError(.closed)`. No limits or timeouts apply.
public struct InMemoryFrameConnection: FrameConnection {
    public let inbound: AsyncThrowingStream<[UInt8], any Error>
    public let peer: String
    /// Feeds our own `inbound`.
    private let incoming: AsyncThrowingStream<[UInt8], any Error>.Continuation
    /// Feeds the other end's `inbound`.
    private let outgoing: AsyncThrowingStream<[UInt8], any Error>.Continuation

    /// A connected pair: what one sends, the other receives.
    public static func makePair() -> (InMemoryFrameConnection, InMemoryFrameConnection) {
        let toA = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let toB = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let a = InMemoryFrameConnection(inbound: toA.stream, peer: "memory:b", incoming: toA.continuation, outgoing: toB.continuation)
        let b = InMemoryFrameConnection(inbound: toB.stream, peer: "memory:a", incoming: toB.continuation, outgoing: toA.continuation)
        return (a, b)
    }

    public func send(_ frame: [UInt8]) async throws {
        if case .terminated = outgoing.yield(frame) {
            throw TransportError(.closed, peer: peer)
        }
    }

    public func close() async {
        outgoing.finish()
        incoming.finish()
    }

    /// Ends the other side's `inbound` with `error`, as a transport failure would.
    public func fail(with error: any Error) {
        outgoing.finish(throwing: error)
        incoming.finish()
    }
}
