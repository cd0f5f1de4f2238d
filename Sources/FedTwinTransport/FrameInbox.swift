import Foundation

/// A small bounded hand-off between a connection's reader task (producer) and the
/// consumer of `FrameConnection.inbound`.
///
/// `AsyncThrowingStream`'s own buffer is unbounded: a peer flooding small frames faster
/// than we verify signatures would grow it without limit. Here the producer waits when
/// `capacity` frames are queued, so it stops pulling from NIO, NIO stops reading from the
/// socket, and TCP pushes back on the peer.
///
/// `@unchecked Sendable`: every stored property is guarded by `lock`; continuations are
/// resumed outside it.
final class FrameInbox: @unchecked Sendable {
    private enum Ending {
        case finished
        case failed(any Error)
    }

    private let lock = NSLock()
    private let capacity: Int
    private var queue: [[UInt8]] = []
    private var ending: Ending?
    private var endingDelivered = false
    /// Set by `close()`: nobody will read, so the producer should stop.
    private var closed = false
    private var consumer: CheckedContinuation<[UInt8]?, any Error>?
    private var producer: CheckedContinuation<Bool, Never>?

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    // MARK: producer

    /// Queues a frame, waiting while the queue is full. Returns false once the inbox is
    /// closed (or the producing task cancelled): the producer should stop.
    func put(_ frame: [UInt8]) async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                putLocked(frame, continuation)
            }
        } onCancel: {
            let waiting = lock.withLock { () -> CheckedContinuation<Bool, Never>? in
                defer { producer = nil }
                return producer
            }
            waiting?.resume(returning: false)
        }
    }

    private func putLocked(_ frame: [UInt8], _ continuation: CheckedContinuation<Bool, Never>) {
        lock.lock()
        if closed || Task.isCancelled {
            lock.unlock()
            continuation.resume(returning: false)
        } else if let waiting = consumer {
            consumer = nil
            lock.unlock()
            waiting.resume(returning: frame)
            continuation.resume(returning: true)
        } else {
            queue.append(frame)
            if queue.count < capacity {
                lock.unlock()
                continuation.resume(returning: true)
            } else {
                producer = continuation
                lock.unlock()
            }
        }
    }

    /// No more frames: the consumer gets the queued ones, then the end (or the error).
    func finish(throwing error: (any Error)? = nil) {
        lock.lock()
        guard ending == nil else { lock.unlock(); return }
        ending = error.map { .failed($0) } ?? .finished
        var waiting: CheckedContinuation<[UInt8]?, any Error>?
        if queue.isEmpty, let consumer {
            waiting = consumer
            self.consumer = nil
            endingDelivered = true
        }
        lock.unlock()
        if let waiting {
            if let error { waiting.resume(throwing: error) } else { waiting.resume(returning: nil) }
        }
    }

    /// The consumer is gone (connection closed locally): drop queued frames, release the
    /// producer, and end the stream.
    func close() {
        lock.lock()
        closed = true
        queue.removeAll()
        if ending == nil { ending = .finished }
        let waitingProducer = producer
        producer = nil
        let waitingConsumer = consumer
        consumer = nil
        endingDelivered = true
        lock.unlock()
        waitingProducer?.resume(returning: false)
        waitingConsumer?.resume(returning: nil)
    }

    // MARK: consumer

    /// The next frame, nil at the end; throws the transport error once, then returns nil.
    func next() async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
                nextLocked(continuation)
            }
        } onCancel: {
            let waiting = lock.withLock { () -> CheckedContinuation<[UInt8]?, any Error>? in
                defer { consumer = nil }
                return consumer
            }
            waiting?.resume(returning: nil)
        }
    }

    private func nextLocked(_ continuation: CheckedContinuation<[UInt8]?, any Error>) {
        lock.lock()
        if !queue.isEmpty {
            let frame = queue.removeFirst()
            let waitingProducer = producer
            producer = nil
            lock.unlock()
            waitingProducer?.resume(returning: true)
            continuation.resume(returning: frame)
        } else if let ending {
            let first = !endingDelivered
            endingDelivered = true
            lock.unlock()
            if first, case .failed(let error) = ending {
                continuation.resume(throwing: error)
            } else {
                continuation.resume(returning: nil)
            }
        } else if Task.isCancelled {
            lock.unlock()
            continuation.resume(returning: nil)
        } else {
            consumer = continuation
            lock.unlock()
        }
    }
}
