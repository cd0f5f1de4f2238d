import Synchronization

/// A value set once after the closure that reads it was made (the status observer needs
/// the coordinator, whose `onEvent` needs the observer).
final class Box<Value: Sendable>: Sendable {
    private let storage = Mutex<Value?>(nil)

    var value: Value? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
