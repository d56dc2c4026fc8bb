import Synchronization

/// A bounded cache of immutable values: entries never go stale, so eviction is first in, first out, by total cost.
final class FIFOCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct State {
        var values: [Key: (value: Value, cost: Int)] = [:]
        var order: [Key] = []
        var head = 0
        var total = 0
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let cost: @Sendable (Value) -> Int

    /// A cache holding values up to a total `capacity` of `cost` (by default, one per entry).
    init(capacity: Int, cost: @escaping @Sendable (Value) -> Int = { _ in 1 }) {
        self.capacity = capacity
        self.cost = cost
    }

    func get(_ key: Key) -> Value? { state.withLock { $0.values[key]?.value } }

    func put(_ key: Key, _ value: Value) {
        let c = cost(value)
        guard c <= capacity else { return }
        // Evicted values are freed after the lock is let go: a leaf's hundreds of objects take a while.
        let evicted: [Value] = state.withLock { s in
            guard s.values[key] == nil else { return [] }
            s.values[key] = (value, c)
            s.order.append(key)
            s.total += c
            var old: [Value] = []
            while s.total > capacity, s.head < s.order.count {
                if let o = s.values.removeValue(forKey: s.order[s.head]) {
                    s.total -= o.cost
                    old.append(o.value)
                }
                s.head += 1
            }
            // Drop the evicted prefix of the ring once it is half of it.
            if s.head > 1024 && s.head * 2 > s.order.count {
                s.order.removeFirst(s.head)
                s.head = 0
            }
            return old
        }
        _ = consume evicted
    }

    /// Forgets every entry (after values were deleted from the store).
    func removeAll() {
        let old = state.withLock { s in
            defer { s = State() }
            return s
        }
        _ = consume old
    }
}
