import FedTwinTransport
import Testing

@Suite struct InMemoryFrameConnectionTests {
    @Test func pairDeliversBothWaysAndCloses() async throws {
        let (a, b) = InMemoryFrameConnection.makePair()
        try await a.send([1, 2, 3])
        try await a.send([4])
        try await b.send([9, 9])
        var fromA = b.inbound.makeAsyncIterator()
        var fromB = a.inbound.makeAsyncIterator()
        #expect(try await fromA.next() == [1, 2, 3])
        #expect(try await fromA.next() == [4])
        #expect(try await fromB.next() == [9, 9])
        await a.close()
        #expect(try await fromA.next() == nil)  // clean EOF on the other side
        #expect(try await fromB.next() == nil)  // and on our own
        await #expect(throws: TransportError.self) { try await a.send([0]) }
        await #expect(throws: TransportError.self) { try await b.send([0]) }
    }

    @Test func failEndsPeerInboundWithError() async throws {
        let (a, b) = InMemoryFrameConnection.makePair()
        a.fail(with: TransportError(.readTimeout(.seconds(1)), peer: a.peer))
        await #expect(throws: TransportError.self) {
            for try await _ in b.inbound {}
        }
    }
}
